import type { DuplicatePairRow } from './customer-duplicates.repository.js';

export interface DuplicateReason {
  /** What matched: phone, email, name or birthDate. */
  field: 'phone' | 'email' | 'name' | 'birthDate';
  points: number;
  detail: string;
}

export interface DuplicateScore {
  score: number;
  reasons: DuplicateReason[];
}

/** A pair scoring below this is not shown as a candidate. */
export const DUPLICATE_THRESHOLD = 30;

const POINTS = { phone: 50, email: 40, name: 30, birthDate: 10 } as const;

/**
 * How likely two customers are one person, 0–100, with the reason for every point: a shared phone
 * (mobile or landline, either way round) 50, a shared e-mail 40, names alike up to 30 (all of it
 * for the same name, in proportion from half alike), the same birth date 10 — but only beside other
 * evidence (many people share a birthday).
 */
export function scoreDuplicate(pair: Omit<DuplicatePairRow, 'customerId' | 'candidateId'>): DuplicateScore {
  const reasons: DuplicateReason[] = [];
  if (pair.samePhone) reasons.push({ field: 'phone', points: POINTS.phone, detail: 'the same phone number' });
  if (pair.sameEmail) reasons.push({ field: 'email', points: POINTS.email, detail: 'the same e-mail address' });
  const similarity = Number(pair.nameSimilarity);
  if (similarity >= 0.999) reasons.push({ field: 'name', points: POINTS.name, detail: 'the same name' });
  else if (similarity >= 0.5)
    reasons.push({
      field: 'name',
      points: Math.round(POINTS.name * similarity),
      detail: `names ${Math.round(similarity * 100)}% alike (shared characters)`,
    });
  if (pair.sameBirthDate && reasons.length)
    reasons.push({ field: 'birthDate', points: POINTS.birthDate, detail: 'the same birth date' });
  const score = Math.min(
    100,
    reasons.reduce((sum, reason) => sum + reason.points, 0),
  );
  return { score, reasons };
}
