import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CSV imports of customers (R-C9): the import and its progress, the uploaded file in 1 MiB chunks
 * (Postgres keeps it, so any worker can read it and a crashed import resumes from the record its last
 * committed batch reached), and the rejected rows with every reason.
 */
export class CustomerImports1764900000000 implements MigrationInterface {
  name = 'CustomerImports1764900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE customer_imports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        file_name text NOT NULL,
        file_bytes bigint NOT NULL,
        file_sha256 text NOT NULL,
        encoding text NOT NULL,
        options jsonb NOT NULL,
        columns jsonb NOT NULL,
        actor_type text NOT NULL,
        actor_id text,
        records_done integer NOT NULL DEFAULT 0,
        bytes_read bigint NOT NULL DEFAULT 0,
        created_count integer NOT NULL DEFAULT 0,
        updated_count integer NOT NULL DEFAULT 0,
        skipped_count integer NOT NULL DEFAULT 0,
        rejected_count integer NOT NULL DEFAULT 0,
        failure text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(
      `CREATE INDEX customer_imports_unfinished_idx ON customer_imports (created_at) WHERE status IN ('queued', 'running')`,
    );
    await db.query(`
      CREATE TABLE customer_import_chunks (
        import_id uuid NOT NULL REFERENCES customer_imports(id) ON DELETE CASCADE,
        seq integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (import_id, seq)
      )`);
    await db.query(`
      CREATE TABLE customer_import_rejections (
        import_id uuid NOT NULL REFERENCES customer_imports(id) ON DELETE CASCADE,
        line integer NOT NULL,
        record text[] NOT NULL,
        reasons jsonb NOT NULL,
        PRIMARY KEY (import_id, line)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['customer_import_rejections', 'customer_import_chunks', 'customer_imports'])
      await db.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
