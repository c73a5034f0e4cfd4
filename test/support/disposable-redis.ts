import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { waitFor } from './test-app.js';

/** A Redis server of a test's own (no persistence), so it can be stopped, started and flushed without touching anyone else's. */
export class DisposableRedis {
  private process?: ChildProcess;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Every key gone, as after a restart without persistence or a failover to an empty replica. */
  flushAll(): void {
    execFileSync('redis-cli', ['-p', String(this.port), 'flushall'], { stdio: 'pipe' });
  }

  async start(): Promise<void> {
    if (this.process && this.process.exitCode === null && this.process.signalCode === null) return; // already running
    this.process = spawn(
      redisServerBinary(),
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await waitFor(
      async () => {
        try {
          execFileSync('redis-cli', ['-p', String(this.port), 'ping'], { stdio: 'pipe' });
          return true;
        } catch {
          return false;
        }
      },
      10_000,
      `redis on port ${this.port}`,
    );
  }

  async stop(): Promise<void> {
    if (!this.process || this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process?.once('exit', resolve));
    this.process?.kill('SIGKILL');
    await exited;
  }
}

function redisServerBinary(): string {
  for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'pipe' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  return 'redis-server';
}
