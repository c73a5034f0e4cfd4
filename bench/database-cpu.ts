import type pg from 'pg';
import { processCpuSeconds } from './support.js';

/**
 * The CPU time (user + system, seconds) each server process connected to `db`'s database has used, by
 * process id, from /proc — null when the server is on another machine. Beside a wall-clock figure it
 * tells work from waiting (other work on the machine does not inflate it): a statement split in parts
 * uses about the same CPU and, with free cores, less time.
 */
export async function databaseCpuByProcess(db: pg.Client): Promise<Map<number, number> | null> {
  const { rows } = await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`);
  const seconds = new Map<number, number>();
  for (const { pid } of rows as { pid: number }[]) {
    try {
      seconds.set(pid, processCpuSeconds(pid));
    } catch {
      // gone meanwhile, or not on this machine
    }
  }
  return seconds.size > 0 ? seconds : null;
}

/** The CPU the database's server processes used between two readings; one that started meanwhile counts from zero. */
export function databaseCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let seconds = 0;
  for (const [pid, used] of after) seconds += used - (before.get(pid) ?? 0);
  return seconds;
}
