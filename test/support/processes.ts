import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

// Processes the fault and fuzz suites start and stop themselves: the built server (as deployed, one
// role per process) and, for the fault suite, a private PostgreSQL cluster and Redis server.

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the check passes or the timeout runs out. */
export async function until<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check().catch(() => undefined);
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** GET a URL and its status, or 0 when nothing answers within the timeout. */
export function httpStatus(url: string, timeoutMs = 1_000): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** One server process from `dist/src/main.js`, its output appended to a log file. */
export class ServerProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  readonly exits: { code: number | null; signal: NodeJS.Signals | null }[] = [];

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
    private readonly root = process.cwd(),
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [join(this.root, 'dist/src/main.js')], {
      cwd: this.root,
      env: { PATH: process.env.PATH ?? '', ...this.env, PORT: String(this.port), WORKER_PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exits.push({ code, signal });
        resolve(code);
      }),
    );
    await until(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`${this.name} exited with ${child.exitCode} during start-up; see ${this.logFile}`);
        return (await httpStatus(`http://127.0.0.1:${this.port}/health/live`)) === 200;
      },
      timeoutMs,
      `${this.name} to listen on ${this.port}`,
    ).catch((error) => {
      if (child.exitCode !== null)
        throw new Error(`${this.name} exited with ${child.exitCode} during start-up; see ${this.logFile}`);
      throw error;
    });
  }

  /** Sends a signal and waits for the exit (SIGKILL after the grace period). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
    if (!this.child || !this.running) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The binaries of the newest PostgreSQL installed from Debian packages (or on the PATH). */
export function postgresBinaries(): string {
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((entry) => existsSync(join(base, entry, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return join(base, versions[0], 'bin');
  }
  const onPath = execFileSync('sh', ['-c', 'command -v initdb || true']).toString().trim();
  if (onPath) return onPath.replace(/\/initdb$/, '');
  throw new Error('no PostgreSQL binaries (initdb, pg_ctl) found: install the postgresql package');
}

export function redisServerBinary(): string {
  for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server'])
    if (existsSync(candidate)) return candidate;
  const onPath = execFileSync('sh', ['-c', 'command -v redis-server || true']).toString().trim();
  if (onPath) return onPath;
  throw new Error('no redis-server found: install the redis-server package');
}
