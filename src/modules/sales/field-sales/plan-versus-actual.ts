/**
 * Plan versus actual (R-SP5, `GET /reports/visits`): what became of each visit, and the counts per
 * salesperson and week.
 */
export interface VisitFacts {
  ownerId: string;
  weekStart: string;
  day: string;
  planned: boolean;
  status: 'planned' | 'checked_in' | 'done' | 'skipped';
  /** The local day and time (`HH:MM`) of the check-in, in the sales time zone; null when never checked in. */
  checkedInDay: string | null;
  checkedInTime: string | null;
  endsAt: string | null;
}

export type VisitOutcome = 'done' | 'skipped' | 'pending' | 'unplanned';

/**
 * A planned visit checked in is done; one marked skipped, or whose day passed without a check-in, is
 * skipped; one still ahead is pending. A visit nobody planned (checked in on the spot) is unplanned.
 */
export function visitOutcome(visit: VisitFacts, today: string): VisitOutcome {
  if (!visit.planned) return 'unplanned';
  if (visit.checkedInDay) return 'done';
  if (visit.status === 'skipped' || visit.day < today) return 'skipped';
  return 'pending';
}

/** Checked in on the planned day and, when the visit has a time window, no later than its end. */
export function onTime(visit: VisitFacts): boolean {
  if (!visit.checkedInDay || visit.checkedInDay !== visit.day) return false;
  return !visit.endsAt || (visit.checkedInTime ?? '99:99') <= visit.endsAt.slice(0, 5);
}

export interface PlanVersusActual {
  ownerId: string;
  weekStart: string;
  planned: number;
  done: number;
  skipped: number;
  pending: number;
  unplanned: number;
  /** Of the done visits, the share on time (0–1, 3 decimals); null when none is done. */
  onTimeShare: number | null;
}

export function planVersusActual(visits: VisitFacts[], today: string): PlanVersusActual[] {
  const rows = new Map<string, PlanVersusActual & { onTime: number }>();
  for (const visit of visits) {
    const key = `${visit.ownerId} ${visit.weekStart}`;
    let row = rows.get(key);
    if (!row)
      rows.set(
        key,
        (row = {
          ownerId: visit.ownerId,
          weekStart: visit.weekStart,
          planned: 0,
          done: 0,
          skipped: 0,
          pending: 0,
          unplanned: 0,
          onTimeShare: null,
          onTime: 0,
        }),
      );
    const outcome = visitOutcome(visit, today);
    if (outcome !== 'unplanned') row.planned += 1;
    row[outcome] += 1;
    if (outcome === 'done' && onTime(visit)) row.onTime += 1;
  }
  return [...rows.values()]
    .map(({ onTime: punctual, ...row }) => ({
      ...row,
      onTimeShare: row.done ? Math.round((punctual / row.done) * 1000) / 1000 : null,
    }))
    .sort((a, b) =>
      a.ownerId === b.ownerId ? a.weekStart.localeCompare(b.weekStart) : a.ownerId.localeCompare(b.ownerId),
    );
}
