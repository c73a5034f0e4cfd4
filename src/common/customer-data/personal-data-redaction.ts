/** What a text column that may not be empty holds once its personal content is erased. */
export const ERASED_TEXT = '[erased]';

/**
 * Keys whose text is personal wherever it appears in a copy about an erased customer (an event
 * payload, an audit row, a stored response): the profile's contacts and personal fields, and the free
 * text every module keeps (summaries, descriptions, notes, message bodies). Ids, codes, amounts,
 * dates, states and counts are not listed: they keep the books and the reports whole.
 */
export const PERSONAL_KEYS: ReadonlySet<string> = new Set([
  'name',
  'gender',
  'birthDate',
  'zodiac',
  'nativePlace',
  'education',
  'homeAddress',
  'companyName',
  'companyFoundedOn',
  'jobTitle',
  'companyAddress',
  'postcode',
  'phone',
  'fax',
  'mobile',
  'website',
  'email',
  'hobbies',
  'favouriteSport',
  'mostAdmiredPerson',
  'favouritePastime',
  'favouriteBook',
  'smoker',
  'drinker',
  'religion',
  'motto',
  'notes',
  'lifeJourney',
  'customFields',
  'address',
  'subject',
  'summary',
  'description',
  'body',
  'text',
  'detail',
  'comment',
  'satisfactionComment',
  'resolution',
  'commitments',
  'answers',
]);

/**
 * The forms in which an erased value may have been copied: as stored, lower-cased, and a Chinese
 * mobile number without its +86. Values shorter than two characters are left out (a one-character
 * match would erase unrelated text).
 */
export function searchableForms(values: readonly (string | null | undefined)[]): string[] {
  const forms = new Set<string>();
  for (const raw of values) {
    const value = raw?.trim();
    if (!value || value.length < 2) continue;
    forms.add(value.toLowerCase());
    if (/^\+86\d{8,}$/.test(value)) forms.add(value.slice(3));
  }
  return [...forms];
}

/** Whether a text contains one of the forms (lower-cased, from `searchableForms`). */
export function containsAny(text: string, forms: readonly string[]): boolean {
  const lower = text.toLowerCase();
  return forms.some((form) => lower.includes(form));
}

/**
 * A copy of a JSON value with the personal data of an erased customer taken out: a value under a
 * personal key becomes null (an object or array there too), and any other text containing one of the
 * erased values becomes `[erased]`. Everything else is kept as it was.
 */
export function redactPersonalData(value: unknown, forms: readonly string[], key?: string): unknown {
  if (key !== undefined && PERSONAL_KEYS.has(key) && value !== null && value !== undefined) return null;
  if (typeof value === 'string') return containsAny(value, forms) ? ERASED_TEXT : value;
  if (Array.isArray(value)) return value.map((item) => redactPersonalData(item, forms));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([name, item]) => [
        name,
        redactPersonalData(item, forms, name),
      ]),
    );
  return value;
}

/**
 * How copies of an erased customer's data are found and cleaned: a row is a copy when its JSON names one
 * of the customer's ids or contacts (`patterns`, for ILIKE ANY); inside it, personal keys and any text
 * containing one of `forms` (contacts and the erased values) are redacted. Free-text values only clean
 * rows found this way, never pick rows: erasing one customer's "咨询" must not touch another's.
 */
export interface PersonalDataSearch {
  patterns: string[];
  forms: string[];
}

export function personalDataSearch(
  customerIds: readonly string[],
  contacts: readonly string[],
  values: readonly string[],
): PersonalDataSearch {
  const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
  return {
    patterns: [...customerIds, ...searchableForms(contacts)].map((text) => `%${escapeLike(text)}%`),
    forms: searchableForms([...contacts, ...values]),
  };
}
