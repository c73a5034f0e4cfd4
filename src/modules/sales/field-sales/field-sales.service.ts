import { Injectable } from '@nestjs/common';
import { hasRole, type Principal } from '../../../common/auth/principal.js';
import { Forbidden, Unprocessable, ValidationFailed } from '../../../common/errors/domain-errors.js';
import { AppConfig } from '../../../infrastructure/config/app-config.js';
import { SalesAccess } from '../sales-access.js';
import type { NearbyQuery, TripQuery, VisitsReportQuery } from './dto/visit.dto.js';
import type { WorkPlanEntryDto } from './dto/work-plan.dto.js';
import { freeWindows, type Window } from './free-windows.js';
import { planVersusActual, type PlanVersusActual } from './plan-versus-actual.js';
import { VisitsRepository } from './visits.repository.js';
import { addDays, localDateOf } from './week.js';
import { toEntryDto } from './work-plan.presenter.js';

export interface NearbySalesperson {
  salespersonId: string;
  distanceKm: number;
  /** The stop of their day that is near: a visit of their approved plan or dispatched to them, or a check-in. */
  nearestStop: {
    source: 'planned_visit' | 'check_in';
    visitId: string;
    customerId: string | null;
    place: { address: string | null; lat: number; lng: number };
    startsAt: string | null;
    endsAt: string | null;
    at: string | null;
  };
  freeWindows: Window[];
}

export interface Trip {
  salespersonId: string;
  date: string;
  stops: WorkPlanEntryDto[];
  latestCheckIn: WorkPlanEntryDto | null;
}

/** "Who is near this customer today?" (R-SP5), a salesperson's trip for a day, and plan versus actual. */
@Injectable()
export class FieldSalesService {
  constructor(
    private readonly visits: VisitsRepository,
    private readonly access: SalesAccess,
    private readonly config: AppConfig,
  ) {}

  /** Near the point: everyone's salespeople for an agent (the complaint desk) or an administrator, a manager's team for a manager. */
  async nearby(
    query: NearbyQuery,
    principal: Principal,
  ): Promise<{ point: { lat: number; lng: number }; data: NearbySalesperson[] }> {
    const [point, scope] = await Promise.all([
      this.pointOf(query),
      hasRole(principal, 'agent') ? null : this.access.scopeOf(principal),
    ]);
    // One statement: the nearest stops and each salesperson's timed entries of the day.
    const rows = await this.visits.nearby(point, query.date, query.radiusKm * 1000, query.limit, scope?.owners ?? null);
    const [from, to] = this.config.SALES_WORKDAY.split('-');
    return {
      point,
      data: rows.map((row) => ({
        salespersonId: row.salespersonId,
        distanceKm: Math.round(row.distanceMeters) / 1000,
        nearestStop: {
          source: row.source,
          visitId: row.entryId,
          customerId: row.customerId,
          place: { address: row.placeAddress, lat: row.lat, lng: row.lng },
          startsAt: row.startsAt,
          endsAt: row.endsAt,
          at: row.at,
        },
        freeWindows: freeWindows(row.busy, { from, to }),
      })),
    };
  }

  /** The approved plan's stops of the day in order (unplanned visits after them), and the latest check-in. */
  async trip(query: TripQuery, principal: Principal): Promise<Trip> {
    if (!hasRole(principal, 'agent'))
      await this.access.assertInBook(principal, query.salespersonId, 'Salesperson', query.salespersonId);
    const [stops, latest] = await Promise.all([
      this.visits.dayEntries([query.salespersonId], query.date),
      this.visits.latestCheckIn(query.salespersonId, query.date),
    ]);
    return {
      salespersonId: query.salespersonId,
      date: query.date,
      stops: stops.map(toEntryDto),
      latestCheckIn: latest ? toEntryDto(latest) : null,
    };
  }

  /** Plan versus actual per salesperson and week (`GET /reports/visits`): a salesperson their own, a manager their team's. */
  async report(
    query: VisitsReportQuery,
    principal: Principal,
  ): Promise<{ from: string; to: string; data: PlanVersusActual[] }> {
    if (query.to < query.from) throw new ValidationFailed([{ field: 'to', message: 'must not be before from' }]);
    if (query.to > addDays(query.from, 366))
      throw new ValidationFailed([{ field: 'to', message: 'at most 366 days after from' }]);
    if (principal.kind !== 'user' || !hasRole(principal, 'manager', 'sales'))
      throw new Forbidden('The visit report is for salespeople, their managers and administrators.');
    if (query.ownerId) await this.access.assertMayReadBookOf(principal, query.ownerId);
    const facts = await this.visits.visitFacts(
      query.from,
      query.to,
      await this.access.scopeOf(principal),
      query.ownerId ?? null,
      this.config.SALES_TIME_ZONE,
    );
    return {
      from: query.from,
      to: query.to,
      data: planVersusActual(facts, localDateOf(new Date(), this.config.SALES_TIME_ZONE)),
    };
  }

  private async pointOf(query: NearbyQuery): Promise<{ lat: number; lng: number }> {
    if (query.lat !== undefined && query.lng !== undefined) return { lat: query.lat, lng: query.lng };
    if (query.lat !== undefined || query.lng !== undefined)
      throw new ValidationFailed([
        { field: query.lat === undefined ? 'lat' : 'lng', message: 'give lat and lng together' },
      ]);
    if (!query.customerId) throw new ValidationFailed([{ field: 'lat', message: 'give lat and lng, or customerId' }]);
    const place = await this.visits.lastPlaceOf(query.customerId);
    if (!place) {
      throw new Unprocessable('No place is known for this customer: give lat and lng.', [
        { field: 'customerId', message: 'the customer has no visit place on record' },
      ]);
    }
    return { lat: place.lat, lng: place.lng };
  }
}
