import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { filesUnder } from './support/source-files.js';

// Each table has one owner; only the owner's files name it in SQL. The exceptions are the README's
// "Where modules still share SQL" list, with the reason there. Run from the repository root.
const ROOT = process.cwd();

/** Owner of every table (a module under src/modules, or the infrastructure/common code that owns it). */
export const TABLE_OWNERS: Record<string, string> = {
  users: 'identity',
  refresh_tokens: 'identity',
  api_keys: 'identity',
  customers: 'customers',
  purchases: 'customers',
  customer_purchase_months: 'customers',
  interactions: 'customers',
  customer_consents: 'customers',
  custom_field_definitions: 'customers',
  customer_timeline_entries: 'customers',
  customer_imports: 'customers',
  customer_import_chunks: 'customers',
  customer_import_rejections: 'customers',
  customer_merges: 'customers',
  customer_erasures: 'customers',
  customer_legal_holds: 'customers',
  loyalty_accounts: 'loyalty',
  loyalty_ledger: 'loyalty',
  loyalty_redemptions: 'loyalty',
  loyalty_rewards: 'loyalty',
  loyalty_settings: 'loyalty',
  customer_values: 'loyalty',
  tier_definitions: 'loyalty',
  tier_history: 'loyalty',
  tier_recalculations: 'loyalty',
  service_requests: 'service-requests',
  sla_policies: 'service-requests',
  tasks: 'tasks',
  leads: 'sales',
  lead_assignment_rules: 'sales',
  pipelines: 'sales',
  pipeline_stages: 'sales',
  opportunities: 'sales',
  opportunity_stage_history: 'sales',
  opportunity_pipeline_totals: 'sales',
  purchase_attributions: 'sales',
  complaint_categories: 'complaints',
  complaint_root_causes: 'complaints',
  complaint_report_rollups: 'complaints',
  complaint_report_changes: 'complaints',
  complaint_report_rollup_state: 'complaints',
  complaint_targets: 'complaints',
  complaint_settings: 'complaints',
  complaints: 'complaints',
  customer_open_problems: 'complaints',
  products: 'sales',
  discount_limits: 'sales',
  quotes: 'sales',
  quote_lines: 'sales',
  segments: 'segments',
  outreach_rules: 'outreach',
  outreach_messages: 'outreach',
  outreach_message_events: 'outreach',
  outreach_runs: 'outreach',
  campaigns: 'outreach',
  campaign_recipients: 'outreach',
  campaign_control_group: 'outreach',
  surveys: 'feedback',
  feedback_entries: 'feedback',
  improvement_actions: 'complaints',
  improvement_action_complaints: 'complaints',
  improvement_action_report_backs: 'complaints',
  reassignments: 'sales',
  ownership_history: 'sales',
  work_plans: 'sales',
  work_plan_entries: 'sales',
  work_plan_reminders: 'sales',
  notifications: 'notifications',
  webhook_endpoints: 'webhooks',
  webhook_events: 'webhooks',
  webhook_deliveries: 'webhooks',
  webhook_delivery_attempts: 'webhooks',
  webhook_fan_out_progress: 'webhooks',
  outbox: 'platform',
  audit_log: 'platform',
  idempotency_keys: 'platform',
  coordination_keys: 'platform',
};

/**
 * `<file> → <table>`: a file that names a table its module does not own, on purpose (README, "Where
 * modules still share SQL"). Keep this list short; each entry is a wall with a door in it.
 */
export const SHARED_SQL = new Set<string>([
  'src/modules/loyalty/tiers.repository.ts → purchases',
  'src/modules/loyalty/tiers.repository.ts → customers',
  'src/modules/webhooks/webhook-recovery.repository.ts → outbox',
  'src/modules/customers/customer-records.repository.ts → audit_log',
  'src/modules/admin/audit-log.repository.ts → audit_log',
]);

function sourceFiles(dir: string): string[] {
  return filesUnder(dir, (path) => path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.endsWith('.d.ts'));
}

/**
 * The part of the tree a file belongs to: its module (`customers` for src/modules/customers/…), or
 * `platform` for src/infrastructure and src/common, whose tables (outbox, audit log, idempotency keys)
 * its own housekeeping, metrics and helpers share.
 */
export function ownerOf(file: string): string {
  const path = relative(ROOT, file).split('\\').join('/');
  const module = /^src\/modules\/([^/]+)\//.exec(path);
  return module ? module[1] : 'platform';
}

/** The tables a piece of source names after FROM, JOIN, INTO, UPDATE or TABLE (SQL lives in template strings; comments are left out). */
export function tablesNamed(source: string): Set<string> {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const named = new Set<string>();
  for (const match of code.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(?:ONLY\s+)?([a-z_][a-z0-9_]*)/gi)) {
    const table = match[1].toLowerCase();
    if (table in TABLE_OWNERS) named.add(table);
  }
  return named;
}

describe('table ownership', () => {
  const files = sourceFiles(join(ROOT, 'src'));

  it('every table the migrations create has an owner', () => {
    const created = new Set<string>();
    for (const file of sourceFiles(join(ROOT, 'migrations'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/CREATE TABLE (?:IF NOT EXISTS )?([a-z_]+)/g))
        created.add(match[1]);
    }
    // found only ${created.size} tables: run the tests from the repository root
    expect(created.size).toBeGreaterThan(20);
    expect([...created].filter((table) => !(table in TABLE_OWNERS))).toStrictEqual([]);
  });

  it("no module names another's table in SQL, except the shared SQL the README lists", () => {
    // found only ${files.length} source files: run the tests from the repository root
    expect(files.length).toBeGreaterThan(100);
    const crossings = files.flatMap((file) => {
      const owner = ownerOf(file);
      return [...tablesNamed(readFileSync(file, 'utf8'))]
        .filter((table) => TABLE_OWNERS[table] !== owner)
        .map((table) => `${relative(ROOT, file).split('\\').join('/')} → ${table}`);
    });
    expect(crossings.filter((crossing) => !SHARED_SQL.has(crossing))).toStrictEqual([]);
    const stale = [...SHARED_SQL].filter((entry) => !crossings.includes(entry));
    // exceptions that no longer happen: remove them here and from the README
    expect(stale).toStrictEqual([]);
  });

  it('finds a table after FROM, JOIN, INTO and UPDATE, not in a comment or as a word', () => {
    expect([...tablesNamed('`SELECT 1 FROM customers c JOIN customer_values v ON true`')].sort()).toStrictEqual([
      'customer_values',
      'customers',
    ]);
    expect([...tablesNamed('`INSERT INTO outbox (type) SELECT 1; UPDATE api_keys SET x = 1`')].sort()).toStrictEqual([
      'api_keys',
      'outbox',
    ]);
    expect([...tablesNamed('// reads from customers\n/* FROM purchases */ const tasks = 1;')]).toStrictEqual([]);
    expect(ownerOf(join(ROOT, 'src/modules/loyalty/tiers.repository.ts'))).toBe('loyalty');
    expect(ownerOf(join(ROOT, 'src/infrastructure/outbox/outbox.writer.ts'))).toBe('platform');
  });
});
