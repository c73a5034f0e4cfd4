import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { postgresBinaries, redisServerBinary, until } from '../support/processes.js';

// A PostgreSQL cluster and a Redis server of the fault suite's own, on free ports in its temporary
// directory, so it may stop, restart and kill them. Never the shared ones.

/** PostgreSQL refuses to run as root: as root, its commands run as the `postgres` OS user. */
function asPostgresUser(binary: string, args: string[]): string[] {
  return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', binary, ...args] : [binary, ...args];
}

export class PrivatePostgres {
  private readonly bin = postgresBinaries();
  readonly dataDir: string;
  readonly logFile: string;

  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {
    this.dataDir = join(dir, 'pgdata');
    this.logFile = join(dir, 'postgres.log');
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/crm`;
  }

  private run(binary: string, args: string[]): void {
    const [command, ...rest] = asPostgresUser(join(this.bin, binary), args);
    execFileSync(command, rest, { stdio: 'pipe', cwd: this.dir });
  }

  init(): void {
    mkdirSync(this.dataDir, { recursive: true });
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(this.dir, uid, gid);
      chownSync(this.dataDir, uid, gid);
    }
    this.run('initdb', [
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ]);
  }

  async start(): Promise<void> {
    // fsync off: the suite tests the application's behaviour when the server goes away, not the disk's.
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 -c shared_buffers=64MB`;
    this.run('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-o', options, '-w', '-t', '60', 'start']);
    await until(() => this.ready(), 30_000, `private PostgreSQL on ${this.port}`);
  }

  /** A fast shutdown: every session is terminated, as a failover or an operator's restart does. */
  stop(): void {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  }

  async ready(): Promise<boolean> {
    const client = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${this.port}/postgres`,
      connectionTimeoutMillis: 1_000,
    });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  destroy(): void {
    try {
      this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // not running
    }
  }
}

/** A Redis without persistence, like a cache node: a stop loses every key. */
export class PrivateRedis {
  private child?: ChildProcess;
  private exited?: Promise<void>;

  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      redisServerBinary(),
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--logfile',
        join(this.dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await until(
      () => {
        try {
          execFileSync('redis-cli', ['-p', String(this.port), 'ping'], { stdio: 'pipe' });
          return Promise.resolve(true);
        } catch {
          return Promise.resolve(false);
        }
      },
      10_000,
      `private Redis on ${this.port}`,
    );
  }

  /** SIGKILL: the data goes with it. */
  async kill(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
