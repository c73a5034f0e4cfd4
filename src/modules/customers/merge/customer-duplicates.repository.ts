import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A pair of live customers that may be one person, and the evidence for it. */
export interface DuplicatePairRow {
  customerId: string;
  candidateId: string;
  samePhone: boolean;
  sameEmail: boolean;
  sameBirthDate: boolean;
  /** Jaccard similarity of the two names' search grams (characters and adjacent pairs): 0 to 1. */
  nameSimilarity: number;
}

/** Blocks larger than this (a company's switchboard number, 张伟) are not pairs of one person: left out. */
export const MAX_BLOCK = 50;

/**
 * The evidence of two customers `a` and `b` (aliases in the caller's FROM, followed by NAME_GRAMS). Names
 * are compared by the search grams the customers table already keeps for Chinese search (every character
 * and adjacent pair), so 张伟 / 张 伟 / 张伟明 score by shared characters; trigrams would see nothing in a
 * two-character name. The grams are distinct, so |a ∪ b| = |a| + |b| − |a ∩ b|.
 */
const EVIDENCE = `
  (a.mobile IS NOT NULL AND (a.mobile = b.mobile OR a.mobile = b.phone))
    OR (a.phone IS NOT NULL AND (a.phone = b.mobile OR a.phone = b.phone)) AS "samePhone",
  coalesce(lower(a.email) = lower(b.email), false) AS "sameEmail",
  coalesce(a.birth_date = b.birth_date, false) AS "sameBirthDate",
  grams.common::float8 / greatest(1, cardinality(grams.a_grams) + cardinality(grams.b_grams) - grams.common) AS "nameSimilarity"`;

/**
 * Both names' grams, once per pair. A customer without a company name has its name's grams stored
 * already (search_grams is the name's grams and the company name's); only the others are computed.
 * The duplicate scan spent nearly all its time here before: `g = ANY(crm_search_grams(b.name))` inside
 * the subquery called the SQL function again for every gram of a (about 16 calls a pair, 80 µs each).
 */
const NAME_GRAMS = `
  CROSS JOIN LATERAL (
    SELECT CASE WHEN a.company_name IS NULL THEN a.search_grams ELSE crm_search_grams(a.name) END AS a_grams,
           CASE WHEN b.company_name IS NULL THEN b.search_grams ELSE crm_search_grams(b.name) END AS b_grams
  ) names
  CROSS JOIN LATERAL (
    SELECT names.a_grams, names.b_grams,
           (SELECT count(*) FROM unnest(names.a_grams) g WHERE g = ANY(names.b_grams))::int AS common
  ) grams`;

/** Duplicate candidates: read-only SQL over the customers table (its indexes: phones, e-mail, search grams). */
@Injectable()
export class CustomerDuplicatesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Candidates of one customer: those sharing a phone or an e-mail (btree indexes), or whose name
   * shares an adjacent character pair with this one's (the search-gram GIN index), scored here.
   */
  async of(customerId: string): Promise<DuplicatePairRow[]> {
    return this.dataSource.query(
      `WITH me AS (SELECT * FROM customers WHERE id = $1 AND deleted_at IS NULL),
       candidates AS (
         SELECT c.id FROM customers c, me WHERE c.deleted_at IS NULL AND me.mobile IS NOT NULL AND c.mobile = me.mobile
         UNION SELECT c.id FROM customers c, me WHERE c.deleted_at IS NULL AND me.mobile IS NOT NULL AND c.phone = me.mobile
         UNION SELECT c.id FROM customers c, me WHERE c.deleted_at IS NULL AND me.phone IS NOT NULL AND c.mobile = me.phone
         UNION SELECT c.id FROM customers c, me WHERE c.deleted_at IS NULL AND me.phone IS NOT NULL AND c.phone = me.phone
         UNION SELECT c.id FROM customers c, me WHERE c.deleted_at IS NULL AND me.email IS NOT NULL AND lower(c.email) = lower(me.email)
         UNION (SELECT c.id FROM customers c, me
                WHERE c.deleted_at IS NULL AND c.search_grams && crm_query_grams(me.name) LIMIT 500)
       )
       SELECT a.id AS "customerId", b.id AS "candidateId", ${EVIDENCE}
       FROM me a JOIN customers b ON b.id IN (SELECT id FROM candidates) AND b.id <> a.id ${NAME_GRAMS}`,
      [customerId],
    );
  }

  /**
   * Every pair of live customers sharing a phone, an e-mail or a whitespace-free lower-cased name,
   * after a keyset cursor on (customerId, candidateId) with customerId < candidateId: one hash join
   * over the blocking keys, blocks above MAX_BLOCK left out. The duplicate scan is this without a limit.
   */
  async pairs(after: { customerId: string; candidateId: string } | null, limit: number): Promise<DuplicatePairRow[]> {
    return this.dataSource.query(
      `WITH keys AS (
         SELECT id, 'phone' AS kind, mobile AS value FROM customers WHERE deleted_at IS NULL AND mobile IS NOT NULL
         UNION SELECT id, 'phone', phone FROM customers WHERE deleted_at IS NULL AND phone IS NOT NULL
         UNION ALL SELECT id, 'email', lower(email) FROM customers WHERE deleted_at IS NULL AND email IS NOT NULL
         UNION ALL SELECT id, 'name', regexp_replace(lower(name), '\\s+', '', 'g') FROM customers WHERE deleted_at IS NULL
       ),
       blocks AS (SELECT id, kind, value, count(*) OVER (PARTITION BY kind, value) AS size FROM keys),
       pairs AS (
         SELECT DISTINCT x.id AS low, y.id AS high
         FROM blocks x JOIN blocks y ON x.kind = y.kind AND x.value = y.value AND x.id < y.id
         WHERE x.size BETWEEN 2 AND ${MAX_BLOCK}
           AND ($1::uuid IS NULL OR (x.id, y.id) > ($1::uuid, $2::uuid))
         ORDER BY low, high
         LIMIT $3
       )
       SELECT a.id AS "customerId", b.id AS "candidateId", ${EVIDENCE}
       FROM pairs JOIN customers a ON a.id = pairs.low JOIN customers b ON b.id = pairs.high ${NAME_GRAMS}
       ORDER BY a.id, b.id`,
      [after?.customerId ?? null, after?.candidateId ?? null, limit],
    );
  }
}
