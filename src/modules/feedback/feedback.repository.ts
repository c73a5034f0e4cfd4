import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import { Unprocessable } from '../../common/errors/domain-errors.js';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import type { MessageChannel, Purpose } from '../outreach/contact-gate.js';

export const QUESTION_KINDS = ['nps', 'csat', 'text'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

export interface SurveyQuestion {
  key: string;
  kind: QuestionKind;
  text: string;
}

export interface SurveyRow {
  id: string;
  name: string;
  productId: string | null;
  questions: SurveyQuestion[];
  purpose: Purpose;
  channels: MessageChannel[];
  subject: string;
  body: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  cursorAt: string;
}

export interface FeedbackRow {
  id: string;
  kind: 'suggestion' | 'survey_answer';
  customerId: string | null;
  productId: string | null;
  purchaseId: string | null;
  serviceRequestId: string | null;
  surveyId: string | null;
  answers: Record<string, number | string>;
  nps: number | null;
  csat: number | null;
  text: string | null;
  tags: string[];
  createdAt: Date;
  cursorAt: string;
}

export interface NewFeedback {
  kind: FeedbackRow['kind'];
  customerId: string | null;
  productId: string | null;
  purchaseId: string | null;
  serviceRequestId: string | null;
  surveyId: string | null;
  answers: Record<string, number | string>;
  nps: number | null;
  csat: number | null;
  text: string | null;
  tags: string[];
  recordedBy: string | null;
}

export interface FeedbackReportRow {
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  npsResponses: number;
  csatResponses: number;
  csatAverage: string | null;
  csatSatisfied: number;
  suggestions: number;
  tags: { tag: string; count: number }[];
  newest: FeedbackRow[];
}

const SURVEY_SELECT = `id, name, product_id AS "productId", questions, purpose, channels, subject, body, version,
  created_at AS "createdAt", updated_at AS "updatedAt", created_at::text AS "cursorAt"`;
const FEEDBACK_SELECT = `id, kind, customer_id AS "customerId", product_id AS "productId", purchase_id AS "purchaseId",
  service_request_id AS "serviceRequestId", survey_id AS "surveyId", answers, nps, csat, text, tags,
  created_at AS "createdAt", created_at::text AS "cursorAt"`;

/** What each foreign key names, for a 422 that says which link does not exist. */
const LINKS: Record<string, string> = {
  customer_id: 'customerId',
  product_id: 'productId',
  purchase_id: 'purchaseId',
  service_request_id: 'serviceRequestId',
  survey_id: 'surveyId',
};

@Injectable()
export class FeedbackRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insertSurvey(
    tx: Tx,
    survey: Pick<SurveyRow, 'name' | 'productId' | 'questions' | 'purpose' | 'channels' | 'subject' | 'body'>,
  ): Promise<SurveyRow> {
    return linked(async () => {
      const [row] = await tx.query(
        `INSERT INTO surveys (name, product_id, questions, purpose, channels, subject, body)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7) RETURNING ${SURVEY_SELECT}`,
        [
          survey.name,
          survey.productId,
          JSON.stringify(survey.questions),
          survey.purpose,
          survey.channels,
          survey.subject,
          survey.body,
        ],
      );
      return row;
    });
  }

  async findSurvey(id: string): Promise<SurveyRow | null> {
    const [row] = await this.dataSource.query(`SELECT ${SURVEY_SELECT} FROM surveys WHERE id = $1`, [id]);
    return row ?? null;
  }

  async listSurveys(after: KeysetPosition | null, limit: number): Promise<SurveyRow[]> {
    const params: unknown[] = [];
    const where = after
      ? `WHERE (created_at, id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`
      : '';
    return this.dataSource.query(
      `SELECT ${SURVEY_SELECT} FROM surveys ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.push(limit + 1)}`,
      params,
    );
  }

  /** Stores the entry; a link to something that does not exist is a 422 naming the field. */
  async insert(tx: Tx, entry: NewFeedback): Promise<FeedbackRow | null> {
    return linked(async () => {
      const [row] = await tx.query(
        `INSERT INTO feedback_entries (kind, customer_id, product_id, purchase_id, service_request_id, survey_id, answers,
                                       nps, csat, text, tags, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12)
         ON CONFLICT (survey_id, customer_id) WHERE kind = 'survey_answer' AND customer_id IS NOT NULL DO NOTHING
         RETURNING ${FEEDBACK_SELECT}`,
        [
          entry.kind,
          entry.customerId,
          entry.productId,
          entry.purchaseId,
          entry.serviceRequestId,
          entry.surveyId,
          JSON.stringify(entry.answers),
          entry.nps,
          entry.csat,
          entry.text,
          entry.tags,
          entry.recordedBy,
        ],
      );
      return row ?? null;
    });
  }

  async list(
    filters: { customerId?: string; productId?: string; kind?: string; surveyId?: string },
    after: KeysetPosition | null,
    limit: number,
  ): Promise<FeedbackRow[]> {
    const params: unknown[] = [];
    const where = ['true'];
    const add = (column: string, value: string | undefined) => {
      if (value !== undefined) where.push(`${column} = $${params.push(value)}`);
    };
    add('customer_id', filters.customerId);
    add('product_id', filters.productId);
    add('kind', filters.kind);
    add('survey_id', filters.surveyId);
    if (after)
      where.push(`(created_at, id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`);
    return this.dataSource.query(
      `SELECT ${FEEDBACK_SELECT} FROM feedback_entries WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC LIMIT $${params.push(limit + 1)}`,
      params,
    );
  }

  /**
   * The R&D summary over `[from, to)` (and one product): NPS counts (promoters 9–10, passives 7–8,
   * detractors 0–6), CSAT average and satisfied (4–5), counts by tag, and the newest suggestions.
   * One pass over `feedback_entries_product_idx` (or the created index without a product).
   */
  async report(filter: { productId?: string; from: Date; to: Date }, newest: number): Promise<FeedbackReportRow> {
    const params: unknown[] = [filter.from, filter.to];
    const product = filter.productId ? `AND product_id = $${params.push(filter.productId)}` : '';
    const [row] = await this.dataSource.query(
      `WITH f AS (SELECT * FROM feedback_entries WHERE created_at >= $1 AND created_at < $2 ${product})
       SELECT (SELECT count(*) FROM f WHERE kind = 'survey_answer')::int AS responses,
              (SELECT count(*) FROM f WHERE nps >= 9)::int AS promoters,
              (SELECT count(*) FROM f WHERE nps BETWEEN 7 AND 8)::int AS passives,
              (SELECT count(*) FROM f WHERE nps <= 6)::int AS detractors,
              (SELECT count(nps) FROM f)::int AS "npsResponses",
              (SELECT count(csat) FROM f)::int AS "csatResponses",
              (SELECT round(avg(csat), 2)::text FROM f) AS "csatAverage",
              (SELECT count(*) FROM f WHERE csat >= 4)::int AS "csatSatisfied",
              (SELECT count(*) FROM f WHERE kind = 'suggestion')::int AS suggestions,
              (SELECT coalesce(jsonb_agg(jsonb_build_object('tag', tag, 'count', n) ORDER BY n DESC, tag COLLATE "C"), '[]'::jsonb)
                 FROM (SELECT tag, count(*)::int AS n FROM f CROSS JOIN unnest(f.tags) AS tag GROUP BY tag) t) AS tags,
              (SELECT coalesce(jsonb_agg(s ORDER BY s."createdAt" DESC, s.id DESC), '[]'::jsonb) FROM (
                 SELECT ${FEEDBACK_SELECT} FROM f WHERE kind = 'suggestion' ORDER BY created_at DESC, id DESC LIMIT $${params.push(newest)}) s) AS newest`,
      params,
    );
    return {
      ...row,
      newest: (row.newest as (FeedbackRow & { createdAt: string })[]).map((entry) => ({
        ...entry,
        createdAt: new Date(entry.createdAt),
      })),
    };
  }
}

/** Runs a write; a foreign key violation becomes a 422 naming the link that does not exist. */
async function linked<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const driver = (error as QueryFailedError & { driverError?: { code?: string; detail?: string } }).driverError;
    if (error instanceof QueryFailedError && driver?.code === '23503') {
      const column = /Key \((\w+)\)/.exec(driver.detail ?? '')?.[1] ?? '';
      const field = LINKS[column] ?? column;
      throw new Unprocessable(`There is no such ${field.replace(/Id$/, '')}.`, [{ field, message: 'does not exist' }]);
    }
    throw error;
  }
}
