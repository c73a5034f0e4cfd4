import { connect } from 'node:net';

/** What `npm start` runs on: the servers it is pointed at (or finds locally), or an embedded PostgreSQL of its own. */
export type StartMode = { embedded: false; reason: string } | { embedded: true; reason: string };

const LOCAL_POSTGRES = { host: '127.0.0.1', port: 5432 };
const LOCAL_REDIS = { host: '127.0.0.1', port: 6379 };

/**
 * Decides the start mode from the environment, before the configuration is built:
 * - `CRM_EMBEDDED=true` → embedded, whatever is running (CI, or a try beside an installed Postgres);
 * - `CRM_EMBEDDED=false`, `DATABASE_URL` or `REDIS_URL` set, `NODE_ENV=production`, or a role other
 *   than `all` → today's behaviour, untouched (production never starts an embedded server silently;
 *   an api and a worker in separate processes cannot share one);
 * - otherwise embedded when PostgreSQL or Redis does not answer on its default local port.
 */
export async function decideStartMode(
  env: NodeJS.ProcessEnv,
  answers: (address: { host: string; port: number }) => Promise<boolean> = portAnswers,
): Promise<StartMode> {
  const flag = env.CRM_EMBEDDED?.trim().toLowerCase();
  if (flag === 'true' || flag === '1') return { embedded: true, reason: 'CRM_EMBEDDED=true' };
  if (flag === 'false' || flag === '0') return { embedded: false, reason: 'CRM_EMBEDDED=false' };
  if (env.DATABASE_URL || env.REDIS_URL) return { embedded: false, reason: 'DATABASE_URL / REDIS_URL set' };
  if (env.NODE_ENV === 'production') return { embedded: false, reason: 'NODE_ENV=production' };
  if (env.PROCESS_ROLE && env.PROCESS_ROLE !== 'all')
    return { embedded: false, reason: `PROCESS_ROLE=${env.PROCESS_ROLE}` };
  const [postgres, redis] = await Promise.all([answers(LOCAL_POSTGRES), answers(LOCAL_REDIS)]);
  if (postgres && redis) return { embedded: false, reason: 'PostgreSQL and Redis answer on their default ports' };
  const missing = [!postgres && 'PostgreSQL on 127.0.0.1:5432', !redis && 'Redis on 127.0.0.1:6379'].filter(Boolean);
  return { embedded: true, reason: `nothing answers as ${missing.join(' or ')}` };
}

/** True when something accepts a TCP connection there within half a second. */
export function portAnswers({ host, port }: { host: string; port: number }, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
