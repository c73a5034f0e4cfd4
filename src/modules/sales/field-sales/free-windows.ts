/** The parts of a working day (`HH:MM`) not taken by the day's timed entries — when a dispatched visit fits. */
export interface Window {
  from: string;
  to: string;
}

export function freeWindows(taken: { startsAt: string | null; endsAt: string | null }[], day: Window): Window[] {
  const busy = taken
    .filter((entry) => entry.startsAt && entry.endsAt)
    .map((entry) => ({ from: entry.startsAt!.slice(0, 5), to: entry.endsAt!.slice(0, 5) }))
    .sort((a, b) => a.from.localeCompare(b.from));
  const free: Window[] = [];
  let cursor = day.from;
  for (const slot of busy) {
    if (slot.from > cursor) free.push({ from: cursor, to: slot.from < day.to ? slot.from : day.to });
    if (slot.to > cursor) cursor = slot.to;
    if (cursor >= day.to) break;
  }
  if (cursor < day.to) free.push({ from: cursor, to: day.to });
  return free.filter((window) => window.from < window.to);
}
