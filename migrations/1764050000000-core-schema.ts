import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Identity, customers and their records, audit, outbox and idempotency: the core every module builds on. */
export class CoreSchema1764050000000 implements MigrationInterface {
  name = 'CoreSchema1764050000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);

    await db.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        name text NOT NULL,
        password_hash text NOT NULL,
        roles text[] NOT NULL CHECK (cardinality(roles) > 0),
        region text,
        skills text[] NOT NULL DEFAULT '{}',
        manager_id uuid REFERENCES users(id),
        active boolean NOT NULL DEFAULT true,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`);
    await db.query(`CREATE INDEX users_manager_id_idx ON users (manager_id)`);

    // Refresh tokens rotate: each use revokes the token and issues its successor in the same family.
    // Presenting a revoked token again means it leaked, so the whole family is revoked.
    await db.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id),
        family_id uuid NOT NULL,
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text CHECK (revoked_reason IN ('rotated', 'reuse_detected')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)`);

    await db.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        key_prefix text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        scopes text[] NOT NULL,
        created_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);

    // Search grams: every single character and every pair of adjacent characters of the text, lower-cased,
    // whitespace removed, for the name and the company name separately (so no pair spans the two). A GIN index over them finds substrings in any script: trigram indexes need three
    // characters and so cannot find the one- and two-character Chinese names and surnames people type.
    await db.query(`
      CREATE FUNCTION crm_search_grams(input text) RETURNS text[]
      LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
        SELECT coalesce(array_agg(DISTINCT gram), '{}')
        FROM (SELECT lower(regexp_replace(input, '\\s+', '', 'g')) AS s) normalised,
        LATERAL (
          SELECT substr(s, i, 1) AS gram FROM generate_series(1, length(s)) AS i
          UNION ALL
          SELECT substr(s, i, 2) FROM generate_series(1, length(s) - 1) AS i
        ) grams
      $$`);
    // The grams a query must all match: its pairs, or the single character of a one-character query.
    await db.query(`
      CREATE FUNCTION crm_query_grams(input text) RETURNS text[]
      LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
        SELECT CASE WHEN length(s) <= 1 THEN ARRAY[s]
          ELSE (SELECT array_agg(DISTINCT substr(s, i, 2)) FROM generate_series(1, length(s) - 1) AS i) END
        FROM (SELECT lower(regexp_replace(input, '\\s+', '', 'g')) AS s) normalised
      $$`);

    await db.query(`CREATE SEQUENCE customer_code_seq START 100001`);
    await db.query(`
      CREATE TABLE customers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL UNIQUE DEFAULT ('C' || nextval('customer_code_seq')),
        kind text NOT NULL CHECK (kind IN ('individual', 'organization')),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        gender text CHECK (gender IN ('male', 'female', 'other')),
        birth_date date,
        zodiac text,
        native_place text,
        education text,
        home_address text,
        company_name text,
        company_founded_on date,
        job_title text,
        company_address text,
        postcode text,
        phone text,
        fax text,
        mobile text,
        website text,
        email text,
        hobbies text,
        favourite_sport text,
        most_admired_person text,
        favourite_pastime text,
        favourite_book text,
        smoker boolean,
        drinker boolean,
        religion text,
        motto text,
        notes text,
        life_journey jsonb NOT NULL DEFAULT '{}',
        registered_on date NOT NULL DEFAULT current_date,
        level text CHECK (level IN ('高', '中', '低')),
        tier text,
        region text,
        industry text,
        lifecycle_stage text,
        relationship_type text,
        owner_id uuid REFERENCES users(id),
        marketing_opt_out boolean NOT NULL DEFAULT false,
        custom_fields jsonb NOT NULL DEFAULT '{}',
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        search_grams text[] GENERATED ALWAYS AS (crm_search_grams(name) || coalesce(crm_search_grams(company_name), '{}')) STORED
      )`);
    // The planner chooses between walking the newest-first index (a common surname like 张) and the
    // gram index (a rare given name); it needs per-gram frequencies for thousands of characters.
    await db.query(`ALTER TABLE customers ALTER COLUMN search_grams SET STATISTICS 1000`);
    // Keyset pagination walks (created_at, id) newest first; filters combine with it.
    await db.query(
      `CREATE INDEX customers_created_idx ON customers (created_at DESC, id DESC) WHERE deleted_at IS NULL`,
    );
    await db.query(
      `CREATE INDEX customers_search_grams_idx ON customers USING gin (search_grams) WHERE deleted_at IS NULL`,
    );
    await db.query(`CREATE INDEX customers_mobile_idx ON customers (mobile text_pattern_ops) WHERE deleted_at IS NULL`);
    await db.query(`CREATE INDEX customers_phone_idx ON customers (phone text_pattern_ops) WHERE deleted_at IS NULL`);
    await db.query(
      `CREATE INDEX customers_email_idx ON customers (lower(email) text_pattern_ops) WHERE deleted_at IS NULL`,
    );
    for (const column of ['owner_id', 'tier', 'region', 'industry', 'lifecycle_stage']) {
      await db.query(
        `CREATE INDEX customers_${column}_idx ON customers (${column}, created_at DESC, id DESC) WHERE deleted_at IS NULL`,
      );
    }

    await db.query(`
      CREATE TABLE purchases (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES customers(id),
        purchased_at timestamptz NOT NULL,
        product text NOT NULL,
        quantity integer NOT NULL DEFAULT 1 CHECK (quantity > 0),
        amount numeric(14, 2) NOT NULL CHECK (amount >= 0),
        currency char(3) NOT NULL,
        payment_method text NOT NULL CHECK (payment_method IN ('cash', 'card', 'online', 'bank_transfer', 'wechat_pay', 'alipay', 'voucher', 'other')),
        channel text,
        notes text,
        refunded_at timestamptz,
        refund_reason text,
        recorded_by uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX purchases_customer_idx ON purchases (customer_id, purchased_at DESC, id DESC)`);

    await db.query(`
      CREATE TABLE interactions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES customers(id),
        channel text NOT NULL CHECK (channel IN ('phone', 'email', 'sms', 'social', 'chat', 'visit', 'web_form')),
        direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        occurred_at timestamptz NOT NULL,
        staff_id uuid REFERENCES users(id),
        subject text,
        summary text NOT NULL,
        commitments jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX interactions_customer_idx ON interactions (customer_id, occurred_at DESC, id DESC)`);

    await db.query(`
      CREATE TABLE customer_consents (
        customer_id uuid NOT NULL REFERENCES customers(id),
        channel text NOT NULL,
        opted_in boolean NOT NULL,
        source text,
        updated_by uuid,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (customer_id, channel)
      )`);

    await db.query(`
      CREATE TABLE custom_field_definitions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL UNIQUE,
        label text NOT NULL,
        type text NOT NULL CHECK (type IN ('text', 'number', 'boolean', 'date', 'enum')),
        options text[] NOT NULL DEFAULT '{}',
        required boolean NOT NULL DEFAULT false,
        max_length integer,
        active boolean NOT NULL DEFAULT true,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await db.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        actor_type text NOT NULL,
        actor_id text,
        action text NOT NULL,
        entity_type text NOT NULL,
        entity_id text,
        before jsonb,
        after jsonb,
        fields text[],
        request_id text
      )`);
    await db.query(`CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, id DESC)`);
    await db.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id DESC)`);
    await db.query(`CREATE INDEX audit_log_time_idx ON audit_log (occurred_at DESC)`);

    await db.query(`
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
        type text NOT NULL,
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        payload jsonb NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await db.query(`CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL`);

    await db.query(`
      CREATE TABLE idempotency_keys (
        principal text NOT NULL,
        key text NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        request_hash text NOT NULL,
        status_code integer,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (principal, key)
      )`);
    await db.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'idempotency_keys',
      'outbox',
      'audit_log',
      'custom_field_definitions',
      'customer_consents',
      'interactions',
      'purchases',
      'customers',
      'api_keys',
      'refresh_tokens',
      'users',
    ]) {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await db.query(`DROP SEQUENCE IF EXISTS customer_code_seq`);
    await db.query(`DROP FUNCTION IF EXISTS crm_query_grams(text)`);
    await db.query(`DROP FUNCTION IF EXISTS crm_search_grams(text)`);
  }
}
