import { createParamDecorator, type ExecutionContext, Param, ParseUUIDPipe } from '@nestjs/common';
import { ValidationFailed } from '../errors/domain-errors.js';

/** The id of the current request, as logged and returned in x-request-id. */
export const RequestId = createParamDecorator((_: unknown, context: ExecutionContext): string =>
  String(context.switchToHttp().getRequest().id),
);

/** The client's address, behind trusted proxies. */
export const ClientAddress = createParamDecorator(
  (_: unknown, context: ExecutionContext): string => context.switchToHttp().getRequest().ip,
);

/** The If-Match header as a version number, when the client sent one; `*` matches any version. */
export const IfMatchVersion = createParamDecorator((_: unknown, context: ExecutionContext): number | undefined => {
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
});

/** A path id that must be a UUID; anything else is a 400 naming the parameter. */
export const UuidParam = (name = 'id') =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () => new ValidationFailed([{ field: name, message: `${name} must be a UUID` }]),
    }),
  );
