import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetPosition } from '../../common/pagination/cursor.js';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import type { MessageChannel, Purpose } from './contact-gate.js';

export const RULE_TRIGGERS = [
  'birthday',
  'purchase_follow_up',
  'service_satisfaction',
  'dormant',
  'tier_upgrade',
  'lead_converted',
  'vip_care_call',
  'manual',
] as const;
export type RuleTrigger = (typeof RULE_TRIGGERS)[number];

export interface RuleRow {
  id: string;
  name: string;
  trigger: RuleTrigger;
  purpose: Purpose;
  channels: MessageChannel[];
  delayDays: number;
  everyDays: number | null;
  subject: string;
  body: string;
  active: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  cursorAt: string;
}

export interface RunRow {
  id: string;
  ruleId: string;
  day: string;
  startedAt: Date;
  finishedAt: Date | null;
  matched: number;
  created: number;
  errors: string[];
  cursorAt: string;
}

const RULE_SELECT = `id, name, trigger, purpose, channels, delay_days AS "delayDays", every_days AS "everyDays", subject, body,
  active, version, created_at AS "createdAt", updated_at AS "updatedAt", created_at::text AS "cursorAt"`;
const RUN_SELECT = `id, rule_id AS "ruleId", day::text AS day, started_at AS "startedAt", finished_at AS "finishedAt",
  matched, created, errors, started_at::text AS "cursorAt"`;

export const RULE_COLUMNS = {
  name: 'name',
  trigger: 'trigger',
  purpose: 'purpose',
  channels: 'channels',
  delayDays: 'delay_days',
  everyDays: 'every_days',
  subject: 'subject',
  body: 'body',
  active: 'active',
} as const;

/** Care rules and the runs of their daily scans. */
@Injectable()
export class OutreachRulesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(tx: Tx, columns: Record<string, unknown>): Promise<RuleRow> {
    const names = Object.keys(columns);
    const [row] = await tx.query(
      `INSERT INTO outreach_rules (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING ${RULE_SELECT}`,
      names.map((name) => columns[name]),
    );
    return row;
  }

  async update(tx: Tx, id: string, columns: Record<string, unknown>): Promise<RuleRow> {
    const names = Object.keys(columns);
    const [rows] = await tx.query(
      `UPDATE outreach_rules SET ${[...names.map((name, i) => `${name} = $${i + 2}`), 'version = version + 1', 'updated_at = now()'].join(', ')}
        WHERE id = $1 RETURNING ${RULE_SELECT}`,
      [id, ...names.map((name) => columns[name])],
    );
    return rows[0];
  }

  async findById(id: string, tx: Tx = this.dataSource.manager): Promise<RuleRow | null> {
    const [row] = await tx.query(`SELECT ${RULE_SELECT} FROM outreach_rules WHERE id = $1`, [id]);
    return row ?? null;
  }

  async lock(tx: Tx, id: string): Promise<RuleRow | null> {
    const [row] = await tx.query(`SELECT ${RULE_SELECT} FROM outreach_rules WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }

  /**
   * The active rules of these triggers, in id order, and the `statement_timestamp()` of the read (see
   * FreshRead): one row with null rule columns when there is none.
   */
  async activeWithTriggers(triggers: readonly RuleTrigger[]): Promise<{ rules: RuleRow[]; readAt: Date }> {
    const rows: (RuleRow & { readAt: Date })[] = await this.dataSource.query(
      `SELECT rule.*, statement_timestamp() AS "readAt"
         FROM (SELECT 1) one
         LEFT JOIN LATERAL (SELECT ${RULE_SELECT} FROM outreach_rules WHERE trigger = ANY($1::text[]) AND active) rule ON true
        ORDER BY rule.id`,
      [triggers],
    );
    return {
      rules: rows.filter((row) => row.id !== null).map(({ readAt: _readAt, ...rule }) => rule),
      readAt: rows[0].readAt,
    };
  }

  async activeWithTrigger(trigger: RuleTrigger): Promise<RuleRow[]> {
    return this.dataSource.query(
      `SELECT ${RULE_SELECT} FROM outreach_rules WHERE trigger = $1 AND active ORDER BY id`,
      [trigger],
    );
  }

  async list(after: KeysetPosition | null, limit: number): Promise<RuleRow[]> {
    const params: unknown[] = [];
    const where = after
      ? `WHERE (created_at, id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`
      : '';
    return this.dataSource.query(
      `SELECT ${RULE_SELECT} FROM outreach_rules ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.push(limit + 1)}`,
      params,
    );
  }

  async startRun(ruleId: string, day: string): Promise<string> {
    const [row] = await this.dataSource.query(`INSERT INTO outreach_runs (rule_id, day) VALUES ($1, $2) RETURNING id`, [
      ruleId,
      day,
    ]);
    return row.id;
  }

  async finishRun(id: string, result: { matched: number; created: number; errors: string[] }): Promise<void> {
    await this.dataSource.query(
      `UPDATE outreach_runs SET finished_at = now(), matched = $2, created = $3, errors = $4 WHERE id = $1`,
      [id, result.matched, result.created, result.errors],
    );
  }

  async findRun(id: string): Promise<RunRow | null> {
    const [row] = await this.dataSource.query(`SELECT ${RUN_SELECT} FROM outreach_runs WHERE id = $1`, [id]);
    return row ?? null;
  }

  async listRuns(ruleId: string | undefined, after: KeysetPosition | null, limit: number): Promise<RunRow[]> {
    const params: unknown[] = [];
    const where = ['true'];
    if (ruleId) where.push(`rule_id = $${params.push(ruleId)}`);
    if (after)
      where.push(`(started_at, id) < ($${params.push(after.at)}::timestamptz, $${params.push(after.id)}::uuid)`);
    return this.dataSource.query(
      `SELECT ${RUN_SELECT} FROM outreach_runs WHERE ${where.join(' AND ')} ORDER BY started_at DESC, id DESC LIMIT $${params.push(limit + 1)}`,
      params,
    );
  }
}
