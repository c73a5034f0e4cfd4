import { createBullBoard } from '@bull-board/api';
import type { ArgumentsHost } from '@nestjs/common';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { CredentialVerifier } from '../../common/auth/credential-verifier.js';
import type { Principal } from '../../common/auth/principal.js';
import { DomainError } from '../../common/errors/domain-errors.js';
import { ProblemDetailsFilter } from '../../common/errors/problem-details.filter.js';
import { PROBLEM_TYPES } from '../../common/errors/problem-types.js';
import { isRedisUnavailable } from '../../common/errors/unavailable.js';
import type { AppConfig } from '../../infrastructure/config/app-config.js';
import { QueuesAdminService } from './queues-admin.service.js';

export const SESSION_COOKIE = 'crm_queues_ui';

type BoardStatus = ReturnType<Parameters<FastifyAdapter['setErrorHandler']>[0]>['status'];

/**
 * Bull Board, for administrators who would rather look than call /admin/queues. A browser cannot send
 * a bearer header when it follows a link, so `POST <base>/session` (with an administrator's bearer
 * token) puts that token in an HttpOnly, SameSite=Strict cookie scoped to the dashboard's path, and
 * `<base>/login` is a small page that signs in and does exactly that. Every dashboard request, its
 * JSON API included, is checked for an administrator, by cookie or by bearer header.
 */
export async function mountQueuesDashboard(
  app: NestFastifyApplication,
  config: AppConfig,
  basePath: string,
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const credentials = app.get(CredentialVerifier);
  const board = new FastifyAdapter();
  board.setBasePath(basePath);
  createBullBoard({
    queues: app
      .get(QueuesAdminService)
      .queues()
      .map((queue) => new BullMQAdapter(queue)),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'CRM queues' } },
  });
  // Bull Board's own error handler answers every error as a 500, a body the JSON parser refused included.
  board.setErrorHandler((error: Error) => {
    const status = boardErrorStatus(error);
    // Its typings list only the statuses it uses itself; it passes any number on to Fastify.
    return {
      status: status as BoardStatus,
      body: { error: status === 500 ? 'An unexpected error occurred; it has been logged.' : error.message },
    };
  });

  const administrator = async (
    request: FastifyRequest,
  ): Promise<Principal | 'not signed in' | 'not an administrator'> => {
    const token = bearerToken(request.headers.authorization) ?? cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (!token) return 'not signed in';
    const principal = await credentials.verify(token).catch(() => null);
    if (!principal) return 'not signed in';
    return principal.kind === 'user' && principal.roles.includes('admin') ? principal : 'not an administrator';
  };

  await fastify.register(
    async (scope) => {
      // Nest's filter does not see routes mounted on Fastify itself: errors here (a body the JSON parser
      // refuses, Redis down under Bull Board) go through the same problem-details filter by hand.
      const problems = new ProblemDetailsFilter();
      scope.setErrorHandler((error, request, reply) => {
        problems.catch(error, {
          switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
        } as unknown as ArgumentsHost);
      });
      scope.addHook('onError', async (request, _reply, error) => {
        if (boardErrorStatus(error) === 500)
          request.log.error({ err: error, requestId: request.id }, 'unhandled error');
      });
      scope.get('/login', async (_request, reply) => reply.type('text/html; charset=utf-8').send(loginPage(basePath)));

      scope.post('/session', async (request, reply) => {
        const who = await administrator(request);
        if (typeof who === 'string') return refuse(reply, who);
        const token = bearerToken(request.headers.authorization);
        if (!token) return refuse(reply, 'not signed in');
        // Secure whenever the browser came over TLS (directly, or through a trusted proxy), and always in production.
        const secure = config.isProduction || request.protocol === 'https' ? '; Secure' : '';
        return reply
          .header(
            'set-cookie',
            `${SESSION_COOKIE}=${token}; Path=${basePath}; HttpOnly; SameSite=Strict; Max-Age=${config.ACCESS_TOKEN_TTL_SECONDS}${secure}`,
          )
          .code(204)
          .send();
      });

      scope.delete('/session', async (_request, reply) =>
        reply
          .header('set-cookie', `${SESSION_COOKIE}=; Path=${basePath}; HttpOnly; SameSite=Strict; Max-Age=0`)
          .code(204)
          .send(),
      );

      await scope.register(async (dashboard) => {
        // Bull Board answers its own errors (an unknown queue or job, a bad state) as plain JSON.
        dashboard.addHook('onSend', async (request, reply, payload) => asProblem(request, reply, payload));
        dashboard.addHook('onRequest', async (request, reply) => {
          const who = await administrator(request);
          if (typeof who !== 'string') return;
          const browsing = request.method === 'GET' && (request.headers.accept ?? '').includes('text/html');
          if (who === 'not signed in' && browsing) return reply.redirect(`${basePath}/login`);
          return refuse(reply, who);
        });
        await dashboard.register(board.registerPlugin());
      });
    },
    { prefix: basePath },
  );
}

function refuse(reply: FastifyReply, why: 'not signed in' | 'not an administrator'): FastifyReply {
  const problem = PROBLEM_TYPES[why === 'not signed in' ? 'unauthenticated' : 'forbidden'];
  const status = problem.status;
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: problem.type,
      title: problem.title,
      status,
      detail:
        status === 401
          ? 'Sign in as an administrator: a bearer token, or the dashboard session cookie.'
          : 'The queue dashboard is for administrators.',
      instance: reply.request.url,
      requestId: String(reply.request.id),
    });
}

/** What status an error under the dashboard deserves: the client's fault, Redis down (503), or a bug. */
function boardErrorStatus(error: unknown): number {
  if (error instanceof DomainError) return error.status;
  if (isRedisUnavailable(error)) return 503;
  const { statusCode } = error as { statusCode?: unknown };
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : 500;
}

/** An error answer of the dashboard as problem details with the request id, like every other error. */
function asProblem(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
  const status = reply.statusCode;
  if (status < 400 || String(reply.getHeader('content-type') ?? '').startsWith('application/problem+json'))
    return payload;
  let detail = STATUS_CODES[status] ?? 'Error';
  try {
    const body = JSON.parse(String(payload)) as { error?: unknown; message?: unknown };
    if (typeof body.error === 'string' || typeof body.message === 'string') detail = String(body.error ?? body.message);
  } catch {
    // not JSON: keep the status text
  }
  const known = status === 400 ? PROBLEM_TYPES['bad-request'] : status === 404 ? PROBLEM_TYPES['not-found'] : undefined;
  void reply.type('application/problem+json');
  return JSON.stringify({
    type: known?.type ?? 'about:blank',
    title: known?.title ?? STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance: request.url,
    requestId: String(request.id),
  });
}

function bearerToken(header: string | undefined): string | undefined {
  const [scheme, token] = (header ?? '').split(' ');
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name && value.length) return value.join('=');
  }
  return undefined;
}

function loginPage(basePath: string): string {
  const apiBase = basePath.replace(/\/admin\/queues\/ui$/, '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CRM queues — sign in</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto}label,input,button{display:block;width:100%;margin:.4rem 0}p{color:#b00}</style></head>
<body><h1>CRM queues</h1><form id="f"><label>E-mail<input name="email" type="email" required autocomplete="username"></label>
<label>Password<input name="password" type="password" required autocomplete="current-password"></label><button>Sign in</button><p id="e"></p></form>
<script>
document.getElementById('f').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const login = await fetch(${JSON.stringify(`${apiBase}/auth/login`)}, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: form.get('email'), password: form.get('password') }) });
  if (!login.ok) { document.getElementById('e').textContent = (await login.json()).detail || 'Sign-in failed'; return; }
  const { accessToken } = await login.json();
  const session = await fetch(${JSON.stringify(`${basePath}/session`)}, { method: 'POST', headers: { authorization: 'Bearer ' + accessToken } });
  if (!session.ok) { document.getElementById('e').textContent = (await session.json()).detail; return; }
  location.href = ${JSON.stringify(`${basePath}/`)};
});
</script></body></html>`;
}
