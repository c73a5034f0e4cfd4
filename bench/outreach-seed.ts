import type pg from 'pg';

/**
 * The outreach benchmarks' customers, set-based: the first `sends` of them in region `bench-send` (the
 * send test's segment), the rest in 上海; every 20th opted out of marketing; e-mail consent for 9 in 10,
 * SMS for 9 in 10 (another tenth); birthdays spread over the years; a last purchase for 3 in 10, up to
 * two years ago; all in `timeZone`.
 */
export async function seedOutreachCustomers(
  db: pg.Client,
  { customers, sends = 0, timeZone }: { customers: number; sends?: number; timeZone: string },
): Promise<void> {
  await db.query(
    `INSERT INTO customers (kind, name, gender, email, mobile, region, birth_date, marketing_opt_out, custom_fields)
     SELECT 'individual', '客户' || n, CASE WHEN n % 2 = 0 THEN 'female' ELSE 'male' END, 'c' || n || '@bench.example',
            '+86138' || lpad((n % 100000000)::text, 8, '0'), CASE WHEN n <= $2 THEN 'bench-send' ELSE '上海' END,
            date '1960-01-01' + (n % 16000), n % 20 = 0, jsonb_build_object('timeZone', $3::text)
       FROM generate_series(1, $1) n`,
    [customers, sends, timeZone],
  );
  await db.query(
    `INSERT INTO customer_consents (customer_id, channel, opted_in, source)
     SELECT id, channel, NOT ((abs(hashtext(id::text)) % 10) = CASE channel WHEN 'email' THEN 0 ELSE 1 END), 'bench'
       FROM customers CROSS JOIN (VALUES ('email'), ('sms')) AS c(channel)`,
  );
  await db.query(
    `INSERT INTO purchases (customer_id, purchased_at, product, amount, currency, payment_method)
     SELECT id, now() - random() * interval '730 days', '净水器', 1999.00, 'CNY', 'card'
       FROM customers WHERE abs(hashtext(id::text || 'p')) % 10 < 3`,
  );
  await db.query('VACUUM ANALYZE customers');
  await db.query('VACUUM ANALYZE customer_consents');
  await db.query('VACUUM ANALYZE purchases');
}

/** A scheduled marketing campaign by e-mail and SMS to a new segment of every customer (all are individuals); its id. */
export async function campaignToEveryone(db: pg.Client, name: string, subject = 's'): Promise<string> {
  const {
    rows: [segment],
  } = await db.query(`INSERT INTO segments (name, filter) VALUES ($1, '{"kinds":["individual"]}') RETURNING id`, [
    name,
  ]);
  const {
    rows: [campaign],
  } = await db.query(
    `INSERT INTO campaigns (name, segment_id, purpose, channels, subject, body, status)
     VALUES ($1, $2, 'marketing', ARRAY['email', 'sms'], $3, 'b', 'scheduled') RETURNING id`,
    [name, segment.id, subject],
  );
  return campaign.id;
}
