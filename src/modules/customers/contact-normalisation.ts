import { type CountryCode, parsePhoneNumberWithError } from 'libphonenumber-js';

/** A phone number in E.164 form (+8613812345678), or null when it is not a valid number. Parsed once (an import reads millions). */
export function normalisePhone(input: string, defaultRegion: string): string | null {
  try {
    const phone = parsePhoneNumberWithError(input, defaultRegion as CountryCode);
    return phone.isValid() ? phone.number : null;
  } catch {
    return null;
  }
}

export function normaliseEmail(input: string): string {
  return input.trim().toLowerCase();
}

/** What a search box query looks like: digits are phone fragments, an @ an e-mail, C123… a customer number. */
export function classifySearch(
  query: string,
  defaultRegion: string,
): { text: string; phonePrefix: string | null; email: string | null; code: string | null } {
  const text = query.trim();
  const digits = text.replace(/[\s\-()+]/g, '');
  let phonePrefix: string | null = null;
  if (/^\d{3,}$/.test(digits)) {
    phonePrefix =
      normalisePhone(text, defaultRegion) ??
      (digits.startsWith('0') ? `+86${digits.slice(1)}` : digits.startsWith('86') ? `+${digits}` : `+86${digits}`);
  }
  return {
    text,
    phonePrefix,
    email: text.includes('@') ? normaliseEmail(text) : null,
    code: /^c\d+$/i.test(text) ? text.toUpperCase() : null,
  };
}

/** A phone and an e-mail as normalised above; either may be missing. */
export interface ContactPair {
  phone: string | null;
  email: string | null;
}
