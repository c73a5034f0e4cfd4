import { createParamDecorator, type ExecutionContext, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ValidationFailed } from '../errors/domain-errors.js';

/** The id of the current request, as logged and returned in x-request-id. */
export const RequestId = createParamDecorator((_: unknown, context: ExecutionContext): string =>
  String(context.switchToHttp().getRequest().id),
);

/** The client's address, behind trusted proxies. */
export const ClientAddress = createParamDecorator(
  (_: unknown, context: ExecutionContext): string => context.switchToHttp().getRequest().ip,
);

/** Declares the If-Match header in the OpenAPI document on the route whose parameter reads it. */
const declaresIfMatch: ParameterDecorator = (target, key) => {
  if (key === undefined) return;
  const descriptor = Object.getOwnPropertyDescriptor(target, key)!;
  ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'The `version` you read (or `*`): a stale one is 412, and nothing changes',
  })(target, key, descriptor);
};

/** The If-Match header as a version number, when the client sent one; `*` matches any version. */
export const IfMatchVersion = createParamDecorator(
  (_: unknown, context: ExecutionContext): number | undefined => {
    const header: string | undefined = context.switchToHttp().getRequest().headers['if-match'];
    if (header === undefined || header.trim() === '*') return undefined;
    const value = header
      .trim()
      .replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1');
    if (!/^[1-9]\d{0,9}$/.test(value))
      throw new ValidationFailed([
        { field: 'If-Match', message: 'If-Match must be the version number you read, e.g. 3' },
      ]);
    return Number(value);
  },
  [declaresIfMatch],
);

/** A path id that must be a UUID; anything else is a 400 naming the parameter. */
export const UuidParam = (name = 'id') =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () => new ValidationFailed([{ field: name, message: `${name} must be a UUID` }]),
    }),
  );
