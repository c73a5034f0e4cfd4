import fc from 'fast-check';

// fast-check arbitraries built from the OpenAPI document's JSON schemas: `valid` follows the schema
// (enums, formats, bounds, required keys, the examples), `hostile` keeps its shape but puts values a
// client should never send in some places, and `hostileValue` is one such value.

export interface JsonSchema {
  $ref?: string;
  allOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  nullable?: boolean;
}

/** Values of identifiers the fuzz run created, by the field or parameter name that holds them. */
export type IdPool = (name: string) => string[];

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'a\ud800b',
  '\udfff',
  '\ufeff',
  '\u202e张伟',
  '😀'.repeat(50),
  'x'.repeat(5_000),
  '张'.repeat(3_000),
  '-1',
  '0',
  '1e309',
  'NaN',
  'Infinity',
  '0x10',
  '1_000',
  ' 12 ',
  "' OR 1=1 --",
  '"; DROP TABLE customers; --',
  '../../etc/passwd',
  '%00',
  '%zz',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  'null',
  'undefined',
  '{}',
  '[]',
  'true',
  '999999999999.99',
  '999999999999.999',
  '99999999999999999999999',
  '-0.01',
  '0.001',
  '1,000.00',
  '１２３',
  '2026-02-30',
  '2026-13-01T00:00:00Z',
  '2026-01-01T00:00:00',
  '0000-01-01',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
  '1970-01-01T00:00:00Z',
  'http://127.0.0.1/',
  'http://169.254.169.254/latest/meta-data',
  'file:///etc/passwd',
  'https://example.com/' + 'a'.repeat(3_000),
  'a@b',
  '@example.cn',
  'a@b.cn\r\nBcc: x@y.z',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
];

const HOSTILE_OTHERS: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  -0.5,
  2 ** 31,
  2 ** 53 + 2,
  -(2 ** 63),
  1e308,
  5e-324,
  [],
  {},
  [null],
  [[[]]],
  { a: { b: { c: {} } } },
];

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_OTHERS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

export class SchemaArbitraries {
  constructor(
    private readonly components: Record<string, JsonSchema>,
    private readonly ids: IdPool,
  ) {}

  /** Follows `$ref`s and merges `allOf`, so the rest sees one plain schema. */
  resolve(schema: JsonSchema | undefined, depth = 0): JsonSchema {
    if (!schema || depth > 20) return {};
    if (schema.$ref) {
      const name = schema.$ref.split('/').pop() ?? '';
      const { $ref: _ignored, ...rest } = schema;
      return this.resolve({ ...rest, ...this.components[name] }, depth + 1);
    }
    if (schema.allOf) {
      const { allOf, ...rest } = schema;
      return allOf.reduce<JsonSchema>((merged, part) => {
        const resolved = this.resolve(part, depth + 1);
        return {
          ...resolved,
          ...merged,
          properties: { ...resolved.properties, ...merged.properties },
          required: [...(resolved.required ?? []), ...(merged.required ?? [])],
        };
      }, rest);
    }
    return schema;
  }

  /** Values the schema allows (as far as it says: many rules live only in the validators). */
  valid(raw: JsonSchema | undefined, name = '', depth = 0): fc.Arbitrary<unknown> {
    const schema = this.resolve(raw);
    if (schema.enum?.length) return fc.constantFrom(...schema.enum);
    if (schema.oneOf?.length || schema.anyOf?.length)
      return fc.oneof(...(schema.oneOf ?? schema.anyOf ?? []).map((part) => this.valid(part, name, depth + 1)));
    const type =
      schema.type ??
      (schema.properties
        ? 'object'
        : schema.items
          ? 'array'
          : schema.minimum !== undefined || schema.maximum !== undefined
            ? 'integer'
            : 'string');
    switch (type) {
      case 'boolean':
        return fc.boolean();
      case 'integer':
        return fc.integer({ min: Math.ceil(schema.minimum ?? -1_000), max: Math.floor(schema.maximum ?? 1_000_000) });
      case 'number':
        return fc.oneof(
          fc.integer({ min: Math.ceil(schema.minimum ?? -1_000), max: Math.floor(schema.maximum ?? 1_000_000) }),
          fc.double({
            min: schema.minimum ?? -1_000,
            max: schema.maximum ?? 1_000_000,
            noNaN: true,
            noDefaultInfinity: true,
          }),
        );
      case 'array': {
        if (depth > 6) return fc.constant([]);
        const maxLength = Math.min(schema.maxItems ?? 4, 4);
        return fc.array(this.valid(schema.items, name, depth + 1), {
          minLength: Math.min(schema.minItems ?? 0, maxLength),
          maxLength,
        });
      }
      case 'object': {
        if (depth > 6 || !schema.properties) return fc.constant({});
        const properties = Object.fromEntries(
          Object.entries(schema.properties).map(([key, child]) => [key, this.valid(child, key, depth + 1)]),
        );
        return fc.record(properties, { requiredKeys: (schema.required ?? []).filter((key) => key in properties) });
      }
      default:
        return this.validString(schema, name);
    }
  }

  /** The schema's shape with, here and there, a value no client should send, or fields it does not know. */
  hostile(raw: JsonSchema | undefined, name = '', depth = 0): fc.Arbitrary<unknown> {
    const schema = this.resolve(raw);
    const leaf = fc.oneof(
      { weight: 3, arbitrary: this.valid(schema, name, depth) },
      { weight: 2, arbitrary: hostileValue },
    );
    if (depth > 6) return leaf;
    if (schema.properties) {
      const properties = Object.fromEntries(
        Object.entries(schema.properties).map(([key, child]) => [key, this.hostile(child, key, depth + 1)]),
      );
      const shaped = fc
        .tuple(
          fc.record(properties, { requiredKeys: [] }),
          fc.option(fc.dictionary(fc.string({ maxLength: 12 }), hostileValue, { maxKeys: 3 }), { freq: 4 }),
        )
        .map(([known, extra]) => ({ ...(extra ?? {}), ...known }));
      return fc.oneof({ weight: 6, arbitrary: shaped }, { weight: 1, arbitrary: hostileValue });
    }
    if (schema.type === 'array' || schema.items) {
      return fc.oneof(
        { weight: 4, arbitrary: fc.array(this.hostile(schema.items, name, depth + 1), { maxLength: 5 }) },
        { weight: 1, arbitrary: fc.constantFrom(10_000, 100_000).map((length) => Array.from({ length }, () => 'x')) },
        { weight: 1, arbitrary: hostileValue },
      );
    }
    return leaf;
  }

  private validString(schema: JsonSchema, name: string): fc.Arbitrary<string> {
    const known = this.ids(name);
    if (schema.format === 'uuid' || /(^id|Id)$/.test(name)) {
      return known.length
        ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: fc.uuid() })
        : fc.uuid();
    }
    if (schema.format === 'date-time' || /(At|^from|^to)$/.test(name)) {
      return fc
        .integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 11, 31) })
        .map((ms) => new Date(ms).toISOString());
    }
    if (schema.format === 'date' || /(Date|On)$/.test(name)) {
      return fc
        .integer({ min: Date.UTC(1940, 0, 1), max: Date.UTC(2026, 10, 1) })
        .map((ms) => new Date(ms).toISOString().slice(0, 10));
    }
    if (schema.format === 'email' || /email/i.test(name)) return fc.emailAddress();
    if (/url|website/i.test(name)) return fc.webUrl({ validSchemes: ['https'] });
    if (name === 'amount')
      return fc
        .tuple(fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 0, max: 99 }))
        .map(([units, cents]) => `${units}.${String(cents).padStart(2, '0')}`);
    if (name === 'currency') return fc.constantFrom('CNY', 'USD', 'EUR', 'cny', 'XXX');
    if (/phone|mobile|fax/i.test(name))
      return fc.constantFrom('13812345678', '010-62345678', '+8613912345678', '12345', '+1 415 555 0100');
    const minLength = schema.minLength ?? 0;
    const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 40, 40));
    const samples = ['张伟', '上海', '家用净水器 X3', '北京市朝阳区建国路 88 号'].filter(
      (value) => value.length >= minLength && value.length <= maxLength,
    );
    const text = fc.oneof(
      fc.string({ minLength, maxLength, unit: 'grapheme' }),
      fc.string({ minLength, maxLength, unit: 'grapheme-ascii' }),
      ...(samples.length ? [fc.constantFrom(...samples)] : []),
    );
    return schema.example !== undefined && typeof schema.example === 'string'
      ? fc.oneof({ weight: 2, arbitrary: fc.constant(schema.example) }, { weight: 3, arbitrary: text })
      : text;
  }
}
