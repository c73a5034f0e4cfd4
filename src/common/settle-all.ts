/**
 * Like Promise.all, but waits for every promise before it answers: their results, or the first
 * rejection's reason. For work done in parts that must all have stopped before the caller moves on
 * (lets a lock go, is retried) — Promise.all answers at the first failure while the others still run.
 */
export async function settleAll<T>(work: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}
