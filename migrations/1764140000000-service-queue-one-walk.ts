import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `next` for a batch of callers walks the queue once instead of once per caller.
 *
 * The queue index keeps an entry for every request taken since the last vacuum, at its front, so a
 * walk per caller paid for that dead stretch sixteen times per batch of sixteen (and for the rows the
 * batch's earlier callers had just taken). One walk hands each request, most urgent first, to the
 * first caller still waiting who is qualified for it (skill and region), locking it with SKIP LOCKED
 * (a request another transaction holds goes to nobody in this batch); the requests are then assigned
 * by one UPDATE. Callers are served in the order they called, so within a batch the earliest caller
 * gets the most urgent request they may take, as they would have one by one. After 1,000 requests
 * without serving everyone, the callers still waiting are served one by one through the index.
 * Also lets PostgreSQL inline api_timestamp (below).
 */
export class ServiceQueueOneWalk1764140000000 implements MigrationInterface {
  name = 'ServiceQueueOneWalk1764140000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION assign_next_service_requests(person_ids uuid[]) RETURNS TABLE (ord bigint, request service_requests)
      LANGUAGE plpgsql VOLATILE SET enable_sort = off AS $$
      DECLARE
        walk_limit CONSTANT integer := 1000;
        callers integer := coalesce(cardinality(person_ids), 0);
        regions text[];
        skills jsonb[];
        served boolean[];
        waiting integer := 0;
        examined integer := 0;
        candidate record;
        chosen uuid;
        i integer;
        taken_ids uuid[] := '{}';
        taken_by uuid[] := '{}';
        taken_for bigint[] := '{}';
      BEGIN
        IF callers = 0 THEN RETURN; END IF;
        -- Someone who is not a user (any more) is served at once, with nothing.
        SELECT array_agg(person.id IS NULL ORDER BY c.ord), array_agg(person.region ORDER BY c.ord), array_agg(to_jsonb(person.skills) ORDER BY c.ord)
          INTO served, regions, skills
          FROM unnest(person_ids) WITH ORDINALITY AS c(id, ord) LEFT JOIN users person ON person.id = c.id;
        FOR i IN 1..callers LOOP
          IF NOT served[i] THEN waiting := waiting + 1; END IF;
        END LOOP;
        IF waiting = 0 THEN RETURN; END IF;

        -- Sorting is off (the SET above) so this always walks the queue index from the front: with
        -- statistics that lag a fast-growing queue the planner would otherwise sort every queued row.
        FOR candidate IN
          SELECT id, required_skill, region FROM service_requests WHERE status = 'queued'
           ORDER BY escalation_level DESC, respond_by, received_at, id
        LOOP
          FOR i IN 1..callers LOOP
            CONTINUE WHEN served[i];
            CONTINUE WHEN candidate.required_skill IS NOT NULL AND NOT coalesce(skills[i] ? candidate.required_skill, false);
            CONTINUE WHEN regions[i] IS NOT NULL AND candidate.region IS NOT NULL AND candidate.region <> regions[i];
            -- Still queued, still needing what the caller was chosen for, and nobody else's: the walk's
            -- snapshot may be older than another taker's commit or an edit of the request.
            PERFORM 1 FROM service_requests
             WHERE id = candidate.id AND status = 'queued'
               AND required_skill IS NOT DISTINCT FROM candidate.required_skill AND region IS NOT DISTINCT FROM candidate.region
               FOR UPDATE SKIP LOCKED;
            IF FOUND THEN
              served[i] := true;
              waiting := waiting - 1;
              taken_ids := taken_ids || candidate.id;
              taken_by := taken_by || person_ids[i];
              taken_for := taken_for || i::bigint;
            END IF;
            EXIT;
          END LOOP;
          examined := examined + 1;
          EXIT WHEN waiting = 0 OR examined = walk_limit;
        END LOOP;

        -- A caller qualified for little of the queue: rather than walking on for them in this loop,
        -- look further with the index and their own filter (as the old one-caller-at-a-time claim did).
        IF waiting > 0 AND examined = walk_limit THEN
          FOR i IN 1..callers LOOP
            CONTINUE WHEN served[i];
            SELECT r.id INTO chosen FROM service_requests r
             WHERE r.status = 'queued' AND r.id <> ALL (taken_ids)
               AND (r.required_skill IS NULL OR coalesce(skills[i] ? r.required_skill, false))
               AND (regions[i] IS NULL OR r.region IS NULL OR r.region = regions[i])
             ORDER BY r.escalation_level DESC, r.respond_by, r.received_at, r.id
             LIMIT 1
             FOR UPDATE SKIP LOCKED;
            IF FOUND THEN
              served[i] := true;
              taken_ids := taken_ids || chosen;
              taken_by := taken_by || person_ids[i];
              taken_for := taken_for || i::bigint;
            END IF;
          END LOOP;
        END IF;

        RETURN QUERY
          UPDATE service_requests r
             SET status = 'assigned', assigned_to = t.person_id, assigned_at = now(), version = r.version + 1, updated_at = now()
            FROM unnest(taken_ids, taken_by, taken_for) AS t(id, person_id, ord)
           WHERE r.id = t.id
          RETURNING t.ord, r;
      END $$`);
    // assign_next_service_request(uuid) stays for this release: replicas still running the previous
    // version call it until they are replaced (a later migration drops it).
    // to_char is STABLE, and PostgreSQL inlines a SQL function only when it is declared no less
    // volatile than its body: as IMMUTABLE every timestamp of every request shown went through a
    // function call of its own (a seventh of a `next` batch's time).
    await db.query(`ALTER FUNCTION api_timestamp(timestamptz) STABLE`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER FUNCTION api_timestamp(timestamptz) IMMUTABLE`);
    await db.query(`DROP FUNCTION IF EXISTS assign_next_service_requests(uuid[])`);
  }
}
