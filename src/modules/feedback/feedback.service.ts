import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { NotFound, Unprocessable, ValidationFailed } from '../../common/errors/domain-errors.js';
import type { FieldError } from '../../common/errors/domain-errors.js';
import { decodeCursor, type Page, toPage } from '../../common/pagination/cursor.js';
import { TransactionRunner } from '../../infrastructure/database/transaction-runner.js';
import type { MessageChannel, Purpose } from '../outreach/contact-gate.js';
import { CreateOutreachMessage } from '../outreach/create-outreach-message.js';
import { validateTemplates } from '../outreach/outreach-rules.service.js';
import type {
  CreateFeedbackDto,
  CreateSurveyDto,
  FeedbackDto,
  FeedbackReportDto,
  FeedbackReportQuery,
  ListFeedbackQuery,
  SurveyDto,
  SurveySendingDto,
} from './dto/feedback.dto.js';
import { type FeedbackRow, FeedbackRepository, type SurveyQuestion, type SurveyRow } from './feedback.repository.js';

const DAY_MS = 86_400_000;

export function toSurveyDto(row: SurveyRow): SurveyDto {
  return {
    id: row.id,
    name: row.name,
    productId: row.productId,
    questions: row.questions,
    purpose: row.purpose,
    channels: row.channels,
    subject: row.subject,
    body: row.body,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toFeedbackDto(row: FeedbackRow): FeedbackDto {
  return {
    id: row.id,
    kind: row.kind,
    customerId: row.customerId,
    productId: row.productId,
    purchaseId: row.purchaseId,
    serviceRequestId: row.serviceRequestId,
    surveyId: row.surveyId,
    answers: row.answers,
    nps: row.nps,
    csat: row.csat,
    text: row.text,
    tags: row.tags,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * The answers checked against the survey's questions: every key a question of it, nps an integer
 * 0–10, csat 1–5, text a string. Pure; the first NPS and CSAT answers are what the report counts.
 */
export function checkAnswers(
  questions: SurveyQuestion[],
  answers: Record<string, unknown>,
): { errors: FieldError[]; nps: number | null; csat: number | null } {
  const errors: FieldError[] = [];
  const byKey = new Map(questions.map((question) => [question.key, question]));
  for (const [key, value] of Object.entries(answers)) {
    const question = byKey.get(key);
    const field = `answers.${key}`;
    if (!question) errors.push({ field, message: 'not a question of this survey' });
    else if (question.kind === 'nps' && !(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 10))
      errors.push({ field, message: 'an NPS answer is a whole number from 0 to 10' });
    else if (question.kind === 'csat' && !(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 5))
      errors.push({ field, message: 'a CSAT answer is a whole number from 1 to 5' });
    else if (question.kind === 'text' && (typeof value !== 'string' || value.length > 5_000))
      errors.push({ field, message: 'a text answer is a string of at most 5,000 characters' });
  }
  const first = (kind: string) => {
    const question = questions.find((each) => each.kind === kind && answers[each.key] !== undefined);
    return question ? (answers[question.key] as number) : null;
  };
  return { errors, nps: first('nps'), csat: first('csat') };
}

/** Feedback for product improvement (R-O5): surveys sent through the contact gate, suggestions and answers, R&D's report. */
@Injectable()
export class FeedbackService {
  constructor(
    private readonly feedback: FeedbackRepository,
    private readonly transactions: TransactionRunner,
    private readonly createMessage: CreateOutreachMessage,
  ) {}

  async createSurvey(dto: CreateSurveyDto): Promise<SurveyDto> {
    validateTemplates(dto);
    const keys = dto.questions.map((question) => question.key);
    const repeated = keys.filter((key, i) => keys.indexOf(key) !== i);
    if (repeated.length)
      throw new ValidationFailed([{ field: 'questions', message: `question keys repeat: ${repeated.join(', ')}` }]);
    const row = await this.transactions.run((tx) =>
      this.feedback.insertSurvey(tx, {
        name: dto.name,
        productId: dto.productId ?? null,
        questions: dto.questions as SurveyQuestion[],
        purpose: (dto.purpose ?? 'care') as Purpose,
        channels: dto.channels as MessageChannel[],
        subject: dto.subject ?? '',
        body: dto.body,
      }),
    );
    return toSurveyDto(row);
  }

  async survey(id: string): Promise<SurveyRow> {
    const row = await this.feedback.findSurvey(id);
    if (!row) throw new NotFound('Survey', id);
    return row;
  }

  async surveys(query: { cursor?: string; limit: number }): Promise<Page<SurveyDto>> {
    const rows = await this.feedback.listSurveys(decodeCursor(query.cursor), query.limit);
    return toPage(rows, query.limit, (row) => ({ at: row.cursorAt, id: row.id }), toSurveyDto);
  }

  /**
   * Invites the customers through the outreach contact gate, each decided on its own (consent, opt-out,
   * caps, duplicates, quiet hours) and sent by outreach's workers; `survey:<id>:<customer>` makes a
   * second invitation of the same customer create nothing (messageId null).
   */
  async send(id: string, customerIds: string[]): Promise<SurveySendingDto[]> {
    const survey = await this.survey(id);
    const sent: SurveySendingDto[] = [];
    for (const customerId of customerIds) {
      try {
        const message = await this.createMessage.execute({
          customerId,
          template: {
            title: survey.name,
            purpose: survey.purpose,
            channels: survey.channels,
            subject: survey.subject,
            body: survey.body,
          },
          dedupeKey: `survey:${survey.id}:${customerId}`,
        });
        sent.push({
          customerId,
          messageId: message?.id ?? null,
          decision: message?.decision ?? null,
          reason: message?.reason ?? null,
        });
      } catch (error) {
        if (error instanceof NotFound)
          throw new Unprocessable('There is no such customer.', [
            { field: 'customerIds', message: `${customerId} does not exist` },
          ]);
        throw error;
      }
    }
    return sent;
  }

  async record(dto: CreateFeedbackDto, principal: Principal): Promise<FeedbackDto> {
    let nps: number | null = null;
    let csat: number | null = null;
    let productId = dto.productId ?? null;
    if (dto.kind === 'survey_answer') {
      if (!dto.surveyId)
        throw new ValidationFailed([{ field: 'surveyId', message: 'a survey answer names its survey' }]);
      const survey = await this.feedback.findSurvey(dto.surveyId);
      if (!survey)
        throw new Unprocessable('There is no such survey.', [{ field: 'surveyId', message: 'does not exist' }]);
      const checked = checkAnswers(survey.questions, dto.answers ?? {});
      if (checked.errors.length) throw new ValidationFailed(checked.errors);
      if (!Object.keys(dto.answers ?? {}).length)
        throw new ValidationFailed([{ field: 'answers', message: 'a survey answer answers at least one question' }]);
      ({ nps, csat } = checked);
      productId ??= survey.productId;
    } else {
      if (!dto.text) throw new ValidationFailed([{ field: 'text', message: 'a suggestion has its text' }]);
      if (dto.answers || dto.surveyId)
        throw new ValidationFailed([
          { field: dto.answers ? 'answers' : 'surveyId', message: 'only survey answers have these' },
        ]);
    }
    const row = await this.transactions.run((tx) =>
      this.feedback.insert(tx, {
        kind: dto.kind as FeedbackRow['kind'],
        customerId: dto.customerId ?? null,
        productId,
        purchaseId: dto.purchaseId ?? null,
        serviceRequestId: dto.serviceRequestId ?? null,
        surveyId: dto.surveyId ?? null,
        answers: (dto.answers ?? {}) as Record<string, number | string>,
        nps,
        csat,
        text: dto.text ?? null,
        tags: dto.tags ?? [],
        recordedBy: principal.kind === 'user' ? principal.id : null,
      }),
    );
    if (!row)
      throw new Unprocessable('The customer has answered this survey already.', [
        { field: 'surveyId', message: 'answered already' },
      ]);
    return toFeedbackDto(row);
  }

  async list(query: ListFeedbackQuery): Promise<Page<FeedbackDto>> {
    const rows = await this.feedback.list(query, decodeCursor(query.cursor), query.limit);
    return toPage(rows, query.limit, (row) => ({ at: row.cursorAt, id: row.id }), toFeedbackDto);
  }

  /** GET /reports/feedback: NPS, CSAT, counts by tag and the newest suggestions, for R&D. */
  async report(query: FeedbackReportQuery): Promise<FeedbackReportDto> {
    const to = query.to ?? new Date().toISOString().slice(0, 10);
    const from = query.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 89 * DAY_MS).toISOString().slice(0, 10);
    if (from > to) throw new ValidationFailed([{ field: 'from', message: 'from is after to' }]);
    const row = await this.feedback.report(
      {
        productId: query.productId,
        from: new Date(`${from}T00:00:00Z`),
        to: new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS),
      },
      10,
    );
    const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);
    return {
      productId: query.productId ?? null,
      from,
      to,
      responses: row.responses,
      suggestions: row.suggestions,
      nps: {
        score: row.npsResponses ? Math.round(((row.promoters - row.detractors) / row.npsResponses) * 100) : null,
        responses: row.npsResponses,
        promoters: row.promoters,
        passives: row.passives,
        detractors: row.detractors,
      },
      csat: {
        average: row.csatAverage,
        satisfiedShare: share(row.csatSatisfied, row.csatResponses),
        responses: row.csatResponses,
      },
      tags: row.tags,
      newestSuggestions: row.newest.map(toFeedbackDto),
    };
  }
}
