/** What a change did to a plan's entries, for the notice its owner receives (R-SP4: "notified of every change"). */
export interface EntrySnapshot {
  id: string;
  day: string;
  position: number;
  kind: string;
  customerId: string | null;
  purpose: string | null;
  startsAt: string | null;
  endsAt: string | null;
  placeAddress: string | null;
}

export type EntryChange =
  | { change: 'added'; entry: EntrySnapshot }
  | { change: 'removed'; entry: EntrySnapshot }
  | { change: 'moved'; entryId: string; from: { day: string; position: number }; to: { day: string; position: number } }
  | { change: 'edited'; entryId: string; fields: string[] };

const EDITABLE: (keyof EntrySnapshot)[] = ['kind', 'customerId', 'purpose', 'startsAt', 'endsAt', 'placeAddress'];

/**
 * The entries added, removed, moved (another day, or another place in the day's order) and edited,
 * between two versions of a plan. Moves are read per day's order: an entry counts as moved when its rank
 * among the entries kept that day changed, so inserting one visit first does not "move" the others.
 */
export function planChanges(before: EntrySnapshot[], after: EntrySnapshot[]): EntryChange[] {
  const beforeById = new Map(before.map((entry) => [entry.id, entry]));
  const afterById = new Map(after.map((entry) => [entry.id, entry]));
  const changes: EntryChange[] = [];
  const keptRank = (entries: EntrySnapshot[], other: Map<string, EntrySnapshot>) => {
    const ranks = new Map<string, { day: string; rank: number }>();
    const byDay = new Map<string, EntrySnapshot[]>();
    for (const entry of entries.filter((candidate) => other.has(candidate.id)))
      byDay.set(entry.day, [...(byDay.get(entry.day) ?? []), entry]);
    for (const [day, list] of byDay)
      list.sort((a, b) => a.position - b.position).forEach((entry, rank) => ranks.set(entry.id, { day, rank }));
    return ranks;
  };
  const rankBefore = keptRank(before, afterById);
  const rankAfter = keptRank(after, beforeById);
  for (const entry of after) {
    const old = beforeById.get(entry.id);
    if (!old) {
      changes.push({ change: 'added', entry });
      continue;
    }
    const a = rankBefore.get(entry.id)!;
    const b = rankAfter.get(entry.id)!;
    if (a.day !== b.day || a.rank !== b.rank)
      changes.push({
        change: 'moved',
        entryId: entry.id,
        from: { day: old.day, position: old.position },
        to: { day: entry.day, position: entry.position },
      });
    const fields = EDITABLE.filter((field) => old[field] !== entry[field]);
    if (fields.length) changes.push({ change: 'edited', entryId: entry.id, fields });
  }
  for (const entry of before) if (!afterById.has(entry.id)) changes.push({ change: 'removed', entry });
  return changes;
}
