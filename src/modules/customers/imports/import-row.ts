import type { FieldError } from '../../../common/errors/domain-errors.js';
import { fieldsWithLoneSurrogates, fieldsWithNul } from '../../../common/errors/validation.js';
import { compileValidator } from '../../../common/validation/compiled-validator.js';
import { normaliseEmail, normalisePhone } from '../contact-normalisation.js';
import { validateCustomFieldValues } from '../custom-field-values.js';
import { PROFILE_COLUMNS } from '../customer-fields.js';
import { CreateCustomerDto } from '../dto/customer.dto.js';
import type { CustomFieldDto } from '../dto/custom-field.dto.js';

/**
 * The headers of the 客户基本资料表 template (seed 001) and the API field each fills. 属相 is derived
 * from the birth date, so it is read and ignored; 编号 is the customer number, used to match existing
 * customers. The API's own field names are accepted as headers too.
 */
export const TEMPLATE_HEADERS: Record<string, ImportTarget> = {
  登记日期: 'registeredOn',
  客户等级: 'level',
  编号: 'code',
  客户编号: 'code',
  姓名: 'name',
  客户姓名: 'name',
  性别: 'gender',
  出生年月日: 'birthDate',
  出生日期: 'birthDate',
  属相: null,
  籍贯: 'nativePlace',
  教育程度: 'education',
  住址: 'homeAddress',
  公司名称: 'companyName',
  成立日期: 'companyFoundedOn',
  职务: 'jobTitle',
  公司地址: 'companyAddress',
  邮编: 'postcode',
  电话: 'phone',
  传真: 'fax',
  手机: 'mobile',
  网址: 'website',
  电子邮件: 'email',
  邮箱: 'email',
  兴趣爱好: 'hobbies',
  最喜欢的运动: 'favouriteSport',
  最崇拜的名人: 'mostAdmiredPerson',
  最喜欢做的事: 'favouritePastime',
  最喜欢读的书: 'favouriteBook',
  是否有吸烟: 'smoker',
  是否有饮酒: 'drinker',
  宗教信仰: 'religion',
  座右铭: 'motto',
  其他: 'notes',
  备注: 'notes',
  地区: 'region',
  行业: 'industry',
  客户类型: 'kind',
};

/** A profile field, `code` (match only), `customFields.<key>`, or null: read and ignored. */
export type ImportTarget = string | null;

/** The API's create validation, built once: a row that passes never reaches class-validator (about 0.5 ms a row). */
const validateCreate = compileValidator(CreateCustomerDto);

const PROFILE_FIELDS = new Set<string>(Object.keys(PROFILE_COLUMNS));
const CUSTOM_FIELD = /^customFields\.[a-z][a-zA-Z0-9]{0,49}$/;
const DATE_FIELDS = new Set(['birthDate', 'companyFoundedOn', 'registeredOn']);
const PHONE_FIELDS = new Set(['phone', 'mobile', 'fax']);
const BOOLEAN_FIELDS = new Set(['smoker', 'drinker', 'marketingOptOut']);

export function isImportTarget(target: unknown): target is ImportTarget {
  return (
    target === null ||
    (typeof target === 'string' &&
      (target === 'code' || CUSTOM_FIELD.test(target) || (PROFILE_FIELDS.has(target) && target !== 'ownerId')))
  );
}

export interface ColumnMapping {
  /** The field of each column, by position; null for a column that is ignored. */
  targets: ImportTarget[];
  /** Headers neither the template nor the request's mapping knows (ignored, reported). */
  unmapped: string[];
  problems: FieldError[];
}

/**
 * Maps a file's header row to fields: the request's mapping first (header → field, null to ignore),
 * then the template's Chinese headers, then the API's field names. A field filled by two columns, or
 * no column for the name, is a problem with the whole file.
 */
export function mapColumns(headers: string[], requested: Record<string, ImportTarget> = {}): ColumnMapping {
  const unmapped: string[] = [];
  const problems: FieldError[] = [];
  const targets = headers.map((raw) => {
    const header = raw.trim();
    if (header in requested) return requested[header];
    if (header in TEMPLATE_HEADERS) return TEMPLATE_HEADERS[header];
    if (isImportTarget(header) && header !== null) return header;
    if (header) unmapped.push(header);
    return null;
  });
  for (const header of Object.keys(requested))
    if (!headers.some((raw) => raw.trim() === header))
      problems.push({ field: `mapping.${header}`, message: `the file has no column "${header}"` });
  const seen = new Map<string, number>();
  targets.forEach((target, index) => {
    if (target === null) return;
    if (seen.has(target))
      problems.push({
        field: 'mapping',
        message: `columns "${headers[seen.get(target)!]}" and "${headers[index]}" both fill ${target}`,
      });
    seen.set(target, index);
  });
  if (!seen.has('name')) problems.push({ field: 'mapping', message: 'no column gives the name (姓名)' });
  return { targets, unmapped, problems };
}

/** A row ready to write: the customer as the API would take it, and the keys it may match on. */
export interface ImportCandidate {
  line: number;
  customer: Record<string, unknown>;
  customFields: Record<string, unknown>;
  code: string | null;
}

export interface RejectedRow {
  line: number;
  values: string[];
  reasons: FieldError[];
}

/**
 * 1985年3月2日, 1985/3/2, 1985-3-2, 1985.3.2, 19850302, an Excel serial day (31108) or an ISO date with
 * a time: the calendar date as YYYY-MM-DD, or null when it is none of these or not a real day.
 */
export function normaliseDate(input: string): string | null {
  const text = input.trim();
  let match =
    /^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$/.exec(text) ??
    /^(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/.exec(text) ??
    /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!match && /^\d{5}$/.test(text)) {
    // Excel's day count from 1899-12-30 (its 1900 leap-year bug included).
    const day = new Date(Date.UTC(1899, 11, 30) + Number(text) * 86_400_000);
    match = ['', String(day.getUTCFullYear()), String(day.getUTCMonth() + 1), String(day.getUTCDate())] as never;
  }
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${match[1]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const TRUE_WORDS = new Set(['是', '有', 'y', 'yes', 'true', '1', '吸烟', '饮酒']);
const FALSE_WORDS = new Set(['否', '无', '不', 'n', 'no', 'false', '0']);
const GENDERS: Record<string, string> = {
  男: 'male',
  m: 'male',
  male: 'male',
  女: 'female',
  f: 'female',
  female: 'female',
  其他: 'other',
  other: 'other',
};
const KINDS: Record<string, string> = {
  个人: 'individual',
  individual: 'individual',
  企业: 'organization',
  公司: 'organization',
  单位: 'organization',
  organization: 'organization',
};

/**
 * One data row of the file to the customer it describes, normalised as the API normalises (phones to
 * E.164, e-mails lower-cased, the template's words and date forms to the API's), then validated as the
 * API validates a create — every reason at once — or rejected with its line number.
 */
export function readRow(
  line: number,
  values: string[],
  mapping: ColumnMapping,
  context: { defaultRegion: string; customFields: CustomFieldDto[] },
): ImportCandidate | RejectedRow {
  const reasons: FieldError[] = [];
  const customer: Record<string, unknown> = {};
  const customFields: Record<string, string> = {};
  let code: string | null = null;
  mapping.targets.forEach((target, index) => {
    const value = (values[index] ?? '').trim();
    if (target === null || value === '') return;
    if (target === 'code') {
      code = value.toUpperCase();
    } else if (target.startsWith('customFields.')) {
      customFields[target.slice('customFields.'.length)] = value;
    } else if (DATE_FIELDS.has(target)) {
      const date = normaliseDate(value);
      if (date) customer[target] = date;
      else reasons.push({ field: target, message: `${target} "${value}" is not a date (e.g. 1985年3月2日, 1985/3/2)` });
    } else if (PHONE_FIELDS.has(target)) {
      const phone = normalisePhone(value, context.defaultRegion);
      if (phone) customer[target] = phone;
      else reasons.push({ field: target, message: `${target} "${value}" is not a valid phone number` });
    } else if (BOOLEAN_FIELDS.has(target)) {
      const word = value.toLowerCase();
      if (TRUE_WORDS.has(word)) customer[target] = true;
      else if (FALSE_WORDS.has(word)) customer[target] = false;
      else reasons.push({ field: target, message: `${target} "${value}" is not 是 or 否` });
    } else if (target === 'gender') {
      customer.gender = GENDERS[value.toLowerCase()] ?? value;
    } else if (target === 'kind') {
      customer.kind = KINDS[value.toLowerCase()] ?? value;
    } else if (target === 'email') {
      customer.email = normaliseEmail(value);
    } else {
      customer[target] = value;
    }
  });
  customer.kind ??= 'individual';
  for (const field of [...fieldsWithNul(customer), ...fieldsWithLoneSurrogates(customer)])
    reasons.push({ field, message: `${field} has characters that cannot be stored` });
  const typed = typedCustomFields(customFields, context.customFields, reasons);
  const errors = validateCreate({ ...customer, customFields: typed });
  const reported = new Set(reasons.map((reason) => reason.field));
  for (const error of errors) if (!reported.has(error.field)) reasons.push(error);
  reasons.push(...validateCustomFieldValues(typed, context.customFields, true));
  if (reasons.length) return { line, values, reasons };
  return { line, customer, customFields: typed, code };
}

/** Custom field values arrive as text: numbers, booleans and dates are converted by their definition. */
function typedCustomFields(
  values: Record<string, string>,
  definitions: CustomFieldDto[],
  reasons: FieldError[],
): Record<string, unknown> {
  const byKey = new Map(definitions.map((definition) => [definition.key, definition]));
  const typed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const type = byKey.get(key)?.type;
    if (type === 'number') {
      const number = Number(value.replace(/,/g, ''));
      if (Number.isFinite(number)) typed[key] = number;
      else reasons.push({ field: `customFields.${key}`, message: `${key} "${value}" is not a number` });
    } else if (type === 'boolean') {
      const word = value.toLowerCase();
      if (TRUE_WORDS.has(word)) typed[key] = true;
      else if (FALSE_WORDS.has(word)) typed[key] = false;
      else reasons.push({ field: `customFields.${key}`, message: `${key} "${value}" is not 是 or 否` });
    } else if (type === 'date') {
      const date = normaliseDate(value);
      if (date) typed[key] = date;
      else reasons.push({ field: `customFields.${key}`, message: `${key} "${value}" is not a date` });
    } else {
      typed[key] = value;
    }
  }
  return typed;
}

export function isRejected(row: ImportCandidate | RejectedRow): row is RejectedRow {
  return 'reasons' in row;
}
