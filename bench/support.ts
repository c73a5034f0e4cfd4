import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// Shared by the benchmarks and by the tests that start processes of their own (the test build includes bench/).

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

/** The p-quantile (0–1) of values sorted ascending, by the nearest-rank method; NaN when there are none. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export function latencySummary(latenciesMs: number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length ? percentile(sorted, p) : 0);
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0 };
}

/** Runs `count` tasks with at most `concurrency` in flight; each worker slot keeps its own number. */
export async function runConcurrently(
  count: number,
  concurrency: number,
  task: (index: number, worker: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async (_, worker) => {
      while (next < count) await task(next++, worker);
    }),
  );
}

/** Seconds to run `count` tasks with `concurrency` in flight. */
export async function secondsToRun(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<number> {
  const started = performance.now();
  await runConcurrently(count, concurrency, (index) => task(index));
  return (performance.now() - started) / 1000;
}

/** Milliseconds one piece of work took. */
export async function latencyOf(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** To a tenth, as the result files show milliseconds. */
export function roundTenth(value: number): number {
  return Math.round(value * 10) / 10;
}

/** The CPU time (user + system, seconds) process `pid` on this machine has used, from /proc; throws when it is not here. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
