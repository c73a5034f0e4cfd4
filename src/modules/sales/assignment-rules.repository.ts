import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../infrastructure/database/transaction-runner.js';
import type { AssignmentRule } from './lead-assignment.js';

export interface AssignmentRuleRow extends AssignmentRule {
  position: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface RuleColumns {
  name: string;
  position: number;
  regions: string[];
  industries: string[];
  sources: string[];
  strategy: string;
  salespeople: string[];
  isDefault: boolean;
}

const RULE_SELECT = `id, name, position, regions, industries, sources, strategy, salespeople::text[] AS salespeople,
  is_default AS "isDefault", next_index AS "nextIndex", version, api_timestamp(created_at) AS "createdAt",
  api_timestamp(updated_at) AS "updatedAt"`;

const COLUMN_OF: Record<keyof RuleColumns, string> = {
  name: 'name',
  position: 'position',
  regions: 'regions',
  industries: 'industries',
  sources: 'sources',
  strategy: 'strategy',
  salespeople: 'salespeople',
  isDefault: 'is_default',
};

@Injectable()
export class AssignmentRulesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every rule in the order they are tried. */
  list(tx: Tx = this.dataSource.manager): Promise<AssignmentRuleRow[]> {
    return tx.query(`SELECT ${RULE_SELECT} FROM lead_assignment_rules ORDER BY position, created_at, id`);
  }

  async find(id: string): Promise<AssignmentRuleRow | null> {
    const [row] = await this.dataSource.query(`SELECT ${RULE_SELECT} FROM lead_assignment_rules WHERE id = $1`, [id]);
    return row ?? null;
  }

  /**
   * The rules, locked until the caller's transaction ends (in id order, so two batches never wait on each
   * other crosswise): assignments under one rule take turns, so a round-robin pointer is never read twice
   * and a fewest-open count always sees the previous lead. A rule deleted meanwhile is simply absent.
   */
  async lock(tx: Tx, id: string): Promise<AssignmentRuleRow | null> {
    const [row] = await this.lockAll(tx, [id]);
    return row ?? null;
  }

  lockAll(tx: Tx, ids: string[]): Promise<AssignmentRuleRow[]> {
    return tx.query(
      `SELECT ${RULE_SELECT} FROM lead_assignment_rules WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [ids],
    );
  }

  /**
   * Every rule in the order they are tried, all locked until the caller's transaction ends (taken in id
   * order, as `lockAll` does): the leads created together are matched and assigned under one lock.
   */
  lockEvery(tx: Tx): Promise<AssignmentRuleRow[]> {
    return tx.query(
      `SELECT * FROM (SELECT ${RULE_SELECT}, created_at FROM lead_assignment_rules ORDER BY id FOR UPDATE) AS rule
        ORDER BY position, created_at, id`,
    );
  }

  async advance(tx: Tx, id: string, nextIndex: number): Promise<void> {
    await tx.query(`UPDATE lead_assignment_rules SET next_index = $2 WHERE id = $1`, [id, nextIndex]);
  }

  async nextPosition(tx: Tx): Promise<number> {
    const [row] = await tx.query(`SELECT coalesce(max(position) + 10, 10)::int AS next FROM lead_assignment_rules`);
    return row.next;
  }

  /** Null when another rule is already the default (the partial unique index). */
  async insert(tx: Tx, rule: RuleColumns): Promise<AssignmentRuleRow | null> {
    const [row] = await tx.query(
      `INSERT INTO lead_assignment_rules (name, position, regions, industries, sources, strategy, salespeople, is_default)
       VALUES ($1, $2, $3, $4, $5, $6, $7::uuid[], $8)
       ON CONFLICT (is_default) WHERE is_default DO NOTHING
       RETURNING ${RULE_SELECT}`,
      [
        rule.name,
        rule.position,
        rule.regions,
        rule.industries,
        rule.sources,
        rule.strategy,
        rule.salespeople,
        rule.isDefault,
      ],
    );
    return row ?? null;
  }

  async update(tx: Tx, id: string, changes: Partial<RuleColumns>): Promise<AssignmentRuleRow> {
    const names = Object.keys(changes) as (keyof RuleColumns)[];
    const sets = names.map((name, i) => `${COLUMN_OF[name]} = $${i + 2}${name === 'salespeople' ? '::uuid[]' : ''}`);
    // A different list of salespeople starts its turns from the beginning.
    if (names.includes('salespeople')) sets.push('next_index = 0');
    const [rows] = await tx.query(
      `UPDATE lead_assignment_rules SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')}
        WHERE id = $1 RETURNING ${RULE_SELECT}`,
      [id, ...names.map((name) => changes[name])],
    );
    return rows[0];
  }

  async remove(tx: Tx, id: string): Promise<boolean> {
    const [rows] = await tx.query(`DELETE FROM lead_assignment_rules WHERE id = $1 RETURNING id`, [id]);
    return rows.length > 0;
  }
}
