import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { API, bearer, createUser, startTestApp, type TestApp, waitFor } from './support/test-app.js';

/**
 * assign_next_service_requests (migration 1764140000000), the one walk of the queue per batch of
 * callers, against the per-caller claim it replaced, copied here from migration 1764080000000 as the
 * reference (a copy, so that the comparison outlives the migration that will drop the original); and
 * the walk paused while other transactions change the queue under it.
 */
const OLD_CLAIM = `
  CREATE FUNCTION old_assign_next(person_id uuid) RETURNS SETOF service_requests
  LANGUAGE plpgsql VOLATILE SET enable_sort = off AS $$
  BEGIN
    RETURN QUERY
    UPDATE service_requests
       SET status = 'assigned', assigned_to = person_id, assigned_at = now(), version = version + 1, updated_at = now()
     WHERE id = (
       SELECT request.id
         FROM service_requests request, users person
        WHERE person.id = person_id
          AND request.status = 'queued'
          AND (request.required_skill IS NULL OR request.required_skill = ANY (person.skills))
          AND (person.region IS NULL OR request.region IS NULL OR request.region = person.region)
        ORDER BY request.escalation_level DESC, request.respond_by, request.received_at, request.id
        LIMIT 1
        FOR UPDATE OF request SKIP LOCKED)
    RETURNING *;
  END $$`;

/**
 * A pause inside the walk, after its snapshot is taken: a session whose search_path starts with
 * walk_pause resolves the function's `skills[i] ? required_skill` to this operator, which waits for
 * advisory lock 4242 before answering like the built-in one.
 */
const HOOK = [
  `CREATE SCHEMA walk_pause`,
  `CREATE FUNCTION walk_pause.has_skill(jsonb, text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
   BEGIN
     PERFORM pg_advisory_xact_lock_shared(4242);
     RETURN $1 OPERATOR(pg_catalog.?) $2;
   END $$`,
  `CREATE OPERATOR walk_pause.? (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = walk_pause.has_skill)`,
];

/** A tiny deterministic generator, so that a failing round can be replayed. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  return { next, pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)] };
}

describe('one walk of the queue per batch of callers', () => {
  let t: TestApp;
  let manager: Awaited<ReturnType<typeof createUser>>;
  let customer: string;

  beforeAll(async () => {
    t = await startTestApp({ LOGIN_MAX_ATTEMPTS_PER_MINUTE: '1000' });
    manager = await createUser(t, ['manager']);
    const sales = await createUser(t, ['sales']);
    customer = (
      await t.http
        .post(`${API}/customers`)
        .set(bearer(sales.token))
        .send({ kind: 'individual', name: '评审客户' })
        .expect(201)
    ).body.id;
    await t.db.query(OLD_CLAIM);
    for (const statement of HOOK) await t.db.query(statement);
  }, 240_000);
  afterAll(() => t.close(), 240_000);

  /** Every test starts from an empty queue (this database is the test's own). */
  const emptyQueue = () =>
    t.db.query(`UPDATE service_requests SET status = 'closed', closed_at = now() WHERE status = 'queued'`);

  const person = async (skills: string[], region: string | null): Promise<string> =>
    (
      await t.db.query(
        `INSERT INTO users (email, name, password_hash, roles, region, skills) VALUES ($1, 'walker', 'x', '{agent}', $2, $3) RETURNING id`,
        [`walker-${randomUUID()}@test.local`, region, skills],
      )
    ).rows[0].id;

  /** Queued requests, most urgent first in the order given (respond_by one second apart). */
  const enqueue = async (
    requests: { skill: string | null; region: string | null; escalation?: number }[],
    startSecondsAgo = 86_400,
  ): Promise<string[]> => {
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO service_requests (customer_id, channel, type, severity, subject, status, received_at, sla_started_at, respond_by, resolve_by, created_by_type,
                                     required_skill, region, escalation_level)
       SELECT $1, 'phone', 'repair', 'normal', '评审 ' || n, 'queued', now(), now(), now() - make_interval(secs => $2::int - n), now() + interval '1 day', 'user',
              r.skill, r.region, r.escalation
         FROM unnest($3::text[], $4::text[], $5::int[]) WITH ORDINALITY AS r(skill, region, escalation, n)
        ORDER BY n
       RETURNING id`,
      [
        customer,
        startSecondsAgo,
        requests.map((r) => r.skill),
        requests.map((r) => r.region),
        requests.map((r) => r.escalation ?? 0),
      ],
    );
    return rows.map((row) => row.id);
  };

  /** What the batch function hands each caller (null: nothing), in a transaction rolled back. */
  const oneWalk = async (callers: string[]): Promise<(string | null)[]> => {
    const client = await t.db.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ caller: string; id: string }>(
        `SELECT ord::text AS caller, (request).id FROM assign_next_service_requests($1::uuid[])`,
        [callers],
      );
      await client.query('ROLLBACK');
      const byCaller = new Map(rows.map((row) => [Number(row.caller), row.id]));
      // one request per caller at most
      expect(byCaller.size).toBe(rows.length);
      return callers.map((_, index) => byCaller.get(index + 1) ?? null);
    } finally {
      client.release();
    }
  };

  /** What the old claim hands the callers served one by one, in a transaction rolled back. */
  const oneByOne = async (callers: string[]): Promise<(string | null)[]> => {
    const client = await t.db.connect();
    try {
      await client.query('BEGIN');
      const taken: (string | null)[] = [];
      for (const caller of callers)
        taken.push((await client.query(`SELECT id FROM old_assign_next($1)`, [caller])).rows[0]?.id ?? null);
      await client.query('ROLLBACK');
      return taken;
    } finally {
      client.release();
    }
  };

  it('hands every caller of a batch what serving them one by one with the old claim would, region and skill rules included', async () => {
    const skills = ['s1', 's2', 's3'].map((name) => `${name}-${randomUUID().slice(0, 6)}`);
    const regions = [null, '上海', '北京'] as const;
    for (let round = 0; round < 25; round++) {
      const random = generator(round + 1);
      await emptyQueue();
      const people: string[] = [];
      for (let i = 0; i < 6; i++)
        people.push(
          await person(
            skills.filter(() => random.next() < 0.4),
            random.pick(regions),
          ),
        );
      const requests = Array.from({ length: 8 + Math.floor(random.next() * 20) }, () => ({
        skill: random.next() < 0.3 ? null : random.pick(skills),
        region: random.pick(regions),
        escalation: random.next() < 0.2 ? 1 : 0,
      }));
      await enqueue(requests);
      // Callers in any order, some twice, and one nobody knows.
      const callers = Array.from({ length: 3 + Math.floor(random.next() * 8) }, () => random.pick(people));
      if (round % 3 === 0) callers.splice(Math.floor(random.next() * callers.length), 0, randomUUID());
      // round ${round}
      expect(await oneWalk(callers)).toStrictEqual(await oneByOne(callers));
    }
  }, 240_000);

  it('serves the callers past the first 1,000 candidates as the old claim would (the fallback)', async () => {
    const front = `front-${randomUUID().slice(0, 6)}`;
    const rare = `rare-${randomUUID().slice(0, 6)}`;
    await emptyQueue();
    // 1,100 requests only the generalist may take, then a mix the others wait for.
    await enqueue(
      Array.from({ length: 1_100 }, () => ({ skill: front, region: null })),
      90_000,
    );
    await enqueue(
      [
        { skill: rare, region: '北京' },
        { skill: rare, region: '上海' },
        { skill: null, region: '上海' },
        { skill: rare, region: null },
        { skill: null, region: null },
      ],
      3_600,
    );
    const generalist = await person([front], null);
    const rareShanghai = await person([rare], '上海');
    const rareAnywhere = await person([rare], null);
    const plainBeijing = await person([], '北京');
    const callers = [
      rareShanghai,
      generalist,
      plainBeijing,
      rareAnywhere,
      rareShanghai,
      generalist,
      randomUUID(),
      plainBeijing,
    ];
    const walked = await oneWalk(callers);
    expect(walked).toStrictEqual(await oneByOne(callers));
    // Six: the second 北京 caller finds nothing left in their region or without a skill.
    expect(walked.filter((id) => id !== null)).toHaveLength(6);
  }, 240_000);

  it('gives two batches running at once different requests: the second skips what the first holds', async () => {
    const skill = `both-${randomUUID().slice(0, 6)}`;
    await emptyQueue();
    const queued = await enqueue(Array.from({ length: 6 }, () => ({ skill, region: null })));
    const people = await Promise.all(Array.from({ length: 4 }, () => person([skill], null)));
    const first = await t.db.connect();
    try {
      await first.query('BEGIN');
      const held = (
        await first.query(`SELECT (request).id FROM assign_next_service_requests($1::uuid[]) ORDER BY ord`, [
          people.slice(0, 2),
        ])
      ).rows.map((row) => row.id);
      expect(held).toStrictEqual(queued.slice(0, 2));
      const second = (
        await t.db.query(`SELECT (request).id FROM assign_next_service_requests($1::uuid[]) ORDER BY ord`, [
          people.slice(2),
        ])
      ).rows.map((row) => row.id);
      expect(second).toStrictEqual(queued.slice(2, 4));
      await first.query('COMMIT');
    } finally {
      first.release();
    }
    const { rows } = await t.db.query(
      `SELECT count(DISTINCT assigned_to)::int AS people FROM service_requests WHERE id = ANY($1) AND status = 'assigned'`,
      [queued.slice(0, 4)],
    );
    expect(rows[0].people).toBe(4);
  }, 240_000);

  it('skips a request a dispatcher holds, and gives it to nobody else in the batch', async () => {
    const skill = `held-${randomUUID().slice(0, 6)}`;
    await emptyQueue();
    const queued = await enqueue(Array.from({ length: 3 }, () => ({ skill, region: null })));
    const people = await Promise.all(Array.from({ length: 3 }, () => person([skill], null)));
    const dispatcher = await t.db.connect();
    try {
      await dispatcher.query('BEGIN');
      await dispatcher.query(`SELECT 1 FROM service_requests WHERE id = $1 FOR UPDATE`, [queued[0]]);
      expect(await oneWalk(people)).toStrictEqual([queued[1], queued[2], null]);
      await dispatcher.query('ROLLBACK');
    } finally {
      dispatcher.release();
    }
  }, 240_000);

  /**
   * Runs the batch function in a session of its own that pauses on its first skill check (after the
   * walk's snapshot is taken), lets `meanwhile` commit a change, then lets the walk go on.
   */
  const walkPausedWhile = async (callers: string[], meanwhile: () => Promise<void>): Promise<(string | null)[]> => {
    const holder = new pg.Client({ connectionString: t.config.DATABASE_URL });
    const walker = new pg.Client({ connectionString: t.config.DATABASE_URL });
    await holder.connect();
    await walker.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock(4242)');
      await walker.query('SET search_path = walk_pause, pg_catalog, public');
      const walkerPid = (await walker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      const walking = walker.query<{ caller: string; id: string }>(
        `SELECT ord::text AS caller, (request).id FROM assign_next_service_requests($1::uuid[])`,
        [callers],
      );
      await waitFor(
        async () =>
          (
            await t.db.query(`SELECT 1 FROM pg_locks WHERE pid = $1 AND locktype = 'advisory' AND NOT granted`, [
              walkerPid,
            ])
          ).rowCount,
        10_000,
        'the walk to pause',
      );
      await meanwhile();
      await holder.query('COMMIT');
      const byCaller = new Map((await walking).rows.map((row) => [Number(row.caller), row.id]));
      return callers.map((_, index) => byCaller.get(index + 1) ?? null);
    } finally {
      await holder.end();
      await walker.end();
    }
  };

  it('does not hand out a request a dispatcher assigned (and committed) after the walk began', async () => {
    const skill = `race-${randomUUID().slice(0, 6)}`;
    await emptyQueue();
    const [first, second] = await enqueue([
      { skill, region: null },
      { skill, region: null },
    ]);
    const caller = await person([skill], null);
    const other = await createUser(t, ['agent'], { skills: [skill] });
    const taken = await walkPausedWhile([caller], async () => {
      await t.http
        .post(`${API}/service-requests/${first}/assign`)
        .set(bearer(manager.token))
        .send({ assigneeId: other.id })
        .expect(200);
    });
    expect(taken).toStrictEqual([second]);
    const { rows } = await t.db.query(`SELECT assigned_to FROM service_requests WHERE id = $1`, [first]);
    expect(rows[0].assigned_to).toBe(other.id);
  }, 240_000);

  it('does not hand out a request whose required skill was changed (and committed) after the walk began to a caller without that skill', async () => {
    const skill = `before-${randomUUID().slice(0, 6)}`;
    const otherSkill = `after-${randomUUID().slice(0, 6)}`;
    await emptyQueue();
    const [changed, second] = await enqueue([
      { skill, region: null },
      { skill, region: null },
    ]);
    const caller = await person([skill], null);
    const taken = await walkPausedWhile([caller], async () => {
      await t.http
        .patch(`${API}/service-requests/${changed}`)
        .set(bearer(manager.token))
        .send({ requiredSkill: otherSkill })
        .expect(200);
    });
    const { rows } = await t.db.query(`SELECT required_skill, assigned_to FROM service_requests WHERE id = $1`, [
      changed,
    ]);
    // As the old claim, which rechecked its whole WHERE clause on the locked row (EvalPlanQual).
    expect({ taken, changed: rows[0] }).toStrictEqual({
      taken: [second],
      changed: { required_skill: otherSkill, assigned_to: null },
    });
  }, 240_000);

  it('files a request for a customer whose id is written in capitals (IsUUID accepts them)', async () => {
    const response = await t.http
      .post(`${API}/service-requests`)
      .set(bearer(manager.token))
      .send({ customerId: customer.toUpperCase(), type: 'repair', severity: 'normal', subject: '大写的客户编号' });
    expect(response.status).toBe(201);
    expect(response.body.customerId).toBe(customer);
  }, 240_000);
});
