import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** The id of the current request, as logged and returned in x-request-id. */
export const RequestId = createParamDecorator((_: unknown, context: ExecutionContext): string => String(context.switchToHttp().getRequest().id));

/** The client's address, behind trusted proxies. */
export const ClientAddress = createParamDecorator((_: unknown, context: ExecutionContext): string => context.switchToHttp().getRequest().ip);

/** The If-Match header as a version number, when the client sent one. */
export const IfMatchVersion = createParamDecorator((_: unknown, context: ExecutionContext): number | undefined => {
  const header: string | undefined = context.switchToHttp().getRequest().headers['if-match'];
  if (header === undefined) return undefined;
  const version = Number(header.replace(/^W\//, '').replace(/"/g, ''));
  return Number.isInteger(version) && version > 0 ? version : -1;
});
