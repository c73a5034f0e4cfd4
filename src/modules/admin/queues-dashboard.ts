import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CredentialVerifier } from '../../common/auth/credential-verifier.js';
import type { Principal } from '../../common/auth/principal.js';
import { PROBLEM_TYPES } from '../../common/errors/problem-types.js';
import type { AppConfig } from '../../infrastructure/config/app-config.js';
import { QueuesAdminService } from './queues-admin.service.js';

export const SESSION_COOKIE = 'crm_queues_ui';

/**
 * Bull Board, for administrators who would rather look than call /admin/queues. A browser cannot send
 * a bearer header when it follows a link, so `POST <base>/session` (with an administrator's bearer
 * token) puts that token in an HttpOnly, SameSite=Strict cookie scoped to the dashboard's path, and
 * `<base>/login` is a small page that signs in and does exactly that. Every dashboard request, its
 * JSON API included, is checked for an administrator, by cookie or by bearer header.
 */
export async function mountQueuesDashboard(app: NestFastifyApplication, config: AppConfig, basePath: string): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const credentials = app.get(CredentialVerifier);
  const board = new FastifyAdapter();
  board.setBasePath(basePath);
  createBullBoard({
    queues: app.get(QueuesAdminService).queues().map((queue) => new BullMQAdapter(queue)),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'CRM queues' } },
  });

  const administrator = async (request: FastifyRequest): Promise<Principal | 'not signed in' | 'not an administrator'> => {
    const token = bearerToken(request.headers.authorization) ?? cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (!token) return 'not signed in';
    const principal = await credentials.verify(token).catch(() => null);
    if (!principal) return 'not signed in';
    return principal.kind === 'user' && principal.roles.includes('admin') ? principal : 'not an administrator';
  };

  await fastify.register(
    async (scope) => {
      scope.get('/login', async (_request, reply) => reply.type('text/html; charset=utf-8').send(loginPage(basePath)));

      scope.post('/session', async (request, reply) => {
        const who = await administrator(request);
        if (typeof who === 'string') return refuse(reply, who);
        const token = bearerToken(request.headers.authorization);
        if (!token) return refuse(reply, 'not signed in');
        // Secure whenever the browser came over TLS (directly, or through a trusted proxy), and always in production.
        const secure = config.isProduction || request.protocol === 'https' ? '; Secure' : '';
        return reply
          .header('set-cookie', `${SESSION_COOKIE}=${token}; Path=${basePath}; HttpOnly; SameSite=Strict; Max-Age=${config.ACCESS_TOKEN_TTL_SECONDS}${secure}`)
          .code(204)
          .send();
      });

      scope.delete('/session', async (_request, reply) =>
        reply.header('set-cookie', `${SESSION_COOKIE}=; Path=${basePath}; HttpOnly; SameSite=Strict; Max-Age=0`).code(204).send(),
      );

      await scope.register(async (dashboard) => {
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
      detail: status === 401 ? 'Sign in as an administrator: a bearer token, or the dashboard session cookie.' : 'The queue dashboard is for administrators.',
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
