import { createHash } from 'node:crypto';
import { Liquid, type Template } from 'liquidjs';

/**
 * Message templates in Liquid (liquidjs): `{{ salutation }}，祝您生日快乐！您的{{ tier }}会员积分：{{ points }}`.
 * HTML (e-mail) is rendered with every output escaped; text channels (SMS, WeChat) get the text as is.
 */
const html = new Liquid({ outputEscape: 'escape', strictFilters: true, ownPropertyOnly: true });
const text = new Liquid({ strictFilters: true, ownPropertyOnly: true });

export interface TemplateContext {
  salutation: string;
  name: string;
  tier: string | null;
  points: number;
  [key: string]: unknown;
}

/** Throws when the template does not parse (the rule or campaign is refused). */
export function checkTemplate(source: string): void {
  text.parse(source);
}

export function renderText(source: string, context: TemplateContext): string {
  return text.renderSync(parsed(text, source), context);
}

export function renderHtml(source: string, context: TemplateContext): string {
  return html.renderSync(parsed(html, source), context);
}

const PARSED_TEMPLATES = 200;
const parsedTemplates = new Map<Liquid, Map<string, Template[]>>([
  [text, new Map()],
  [html, new Map()],
]);

/**
 * A template parsed once per engine (the HTML engine builds its escaping into the parse), not once
 * per message: a campaign's batch renders the same source a hundred times.
 */
function parsed(engine: Liquid, source: string): Template[] {
  const cache = parsedTemplates.get(engine)!;
  let templates = cache.get(source);
  if (!templates) {
    templates = engine.parse(source);
    if (cache.size >= PARSED_TEMPLATES) cache.clear();
    cache.set(source, templates);
  }
  return templates;
}

/** What "the same content" means to the gate: the same subject and body templates. */
export function contentKey(subject: string, body: string): string {
  return createHash('sha256').update(subject).update('\u0000').update(body).digest('hex').slice(0, 32);
}

// Two-character surnames common enough to matter; otherwise the surname is the first character.
const COMPOUND_SURNAMES = [
  '欧阳',
  '司马',
  '上官',
  '诸葛',
  '东方',
  '皇甫',
  '令狐',
  '慕容',
  '公孙',
  '夏侯',
  '尉迟',
  '长孙',
];

/** 张先生 / 李女士 from a Chinese name and the gender on the profile; the whole name otherwise. */
export function chineseSalutation(name: string, gender: string | null): string {
  const trimmed = name.trim();
  const isChinese = /^[\u4e00-\u9fff]{2,4}$/.test(trimmed);
  if (!isChinese || (gender !== 'male' && gender !== 'female')) return trimmed;
  const surname = COMPOUND_SURNAMES.find((compound) => trimmed.startsWith(compound)) ?? trimmed[0];
  return `${surname}${gender === 'male' ? '先生' : '女士'}`;
}
