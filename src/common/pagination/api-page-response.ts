import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';
import type { ApiPropertyOptions } from '@nestjs/swagger';

type SchemaObject = NonNullable<ApiPropertyOptions['items']>;

/**
 * Declares a 200 answer of `{data: Item[], nextCursor}` — what `Page<Item>` serialises to — for the OpenAPI
 * document; `extra` declares what a list adds beside the page (required, e.g. `unread`).
 */
export function ApiPageResponse(
  item: Type<unknown>,
  description?: string,
  extra: Record<string, SchemaObject> = {},
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(item),
    ApiOkResponse({
      description,
      schema: {
        type: 'object',
        required: ['data', 'nextCursor', ...Object.keys(extra)],
        properties: {
          ...extra,
          data: { type: 'array', items: { $ref: getSchemaPath(item) } },
          nextCursor: {
            type: 'string',
            nullable: true,
            description: 'Pass as `cursor` for the next page; null on the last',
          },
        },
      },
    }),
  );
}
