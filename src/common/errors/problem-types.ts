/**
 * Every problem type the API answers with (RFC 9457): the one place a `/problems/…` URI is written.
 * The key is the stable code an error class carries; the problem-details filter renders the type,
 * title and status from here, and the OpenAPI document can list them with `listProblemTypes()`.
 * A module's own failures (`InsufficientPoints`, `InvalidTransition`) are error classes in
 * `<module>-errors.ts` that name their code here.
 */
export interface ProblemType {
  type: string;
  title: string;
  status: number;
}

export const PROBLEM_TYPES = {
  // Any module
  validation: { type: '/problems/validation', title: 'Validation failed', status: 400 },
  'invalid-value': { type: '/problems/invalid-value', title: 'Invalid value', status: 400 },
  'bad-request': { type: '/problems/bad-request', title: 'Bad request', status: 400 },
  unauthenticated: { type: '/problems/unauthenticated', title: 'Unauthenticated', status: 401 },
  forbidden: { type: '/problems/forbidden', title: 'Forbidden', status: 403 },
  'not-found': { type: '/problems/not-found', title: 'Not found', status: 404 },
  conflict: { type: '/problems/conflict', title: 'Conflict', status: 409 },
  'stale-version': { type: '/problems/stale-version', title: 'Precondition failed', status: 412 },
  unprocessable: { type: '/problems/unprocessable', title: 'Unprocessable request', status: 422 },
  'rate-limited': { type: '/problems/rate-limited', title: 'Too many requests', status: 429 },
  unavailable: { type: '/problems/unavailable', title: 'Service unavailable', status: 503 },
  // Refused before any route runs (common/errors/edge-errors.ts)
  'malformed-request': { type: '/problems/malformed-request', title: 'Malformed request', status: 400 },
  'request-timeout': { type: '/problems/request-timeout', title: 'Request timeout', status: 408 },
  'uri-too-long': { type: '/problems/uri-too-long', title: 'URI too long', status: 414 },
  'headers-too-large': { type: '/problems/headers-too-large', title: 'Request header fields too large', status: 431 },
  // Idempotency-Key (common/idempotency)
  'idempotency-retry': { type: '/problems/idempotency-retry', title: 'Conflict', status: 409 },
  'idempotency-in-progress': { type: '/problems/idempotency-in-progress', title: 'Conflict', status: 409 },
  'idempotency-key-reused': { type: '/problems/idempotency-key-reused', title: 'Unprocessable request', status: 422 },
  // admin
  'job-not-failed': { type: '/problems/job-not-failed', title: 'Conflict', status: 409 },
  'job-active': { type: '/problems/job-active', title: 'Conflict', status: 409 },
  // customers
  'already-refunded': { type: '/problems/already-refunded', title: 'Conflict', status: 409 },
  'import-file-too-large': { type: '/problems/import-file-too-large', title: 'Content too large', status: 413 },
  'import-not-multipart': { type: '/problems/import-not-multipart', title: 'Unsupported media type', status: 415 },
  'customer-merged': { type: '/problems/customer-merged', title: 'Permanent redirect', status: 308 },
  'merge-not-undoable': { type: '/problems/merge-not-undoable', title: 'Conflict', status: 409 },
  'customer-under-legal-hold': { type: '/problems/customer-under-legal-hold', title: 'Conflict', status: 409 },
  'customer-erased': { type: '/problems/customer-erased', title: 'Gone', status: 410 },
  'unreadable-import-file': { type: '/problems/unreadable-import-file', title: 'Unprocessable request', status: 422 },
  // loyalty
  'insufficient-points': { type: '/problems/insufficient-points', title: 'Insufficient points', status: 422 },
  'out-of-stock': { type: '/problems/out-of-stock', title: 'Conflict', status: 409 },
  // service-requests
  'invalid-transition': { type: '/problems/invalid-transition', title: 'Conflict', status: 409 },
  // sales
  'invalid-lead-transition': { type: '/problems/invalid-lead-transition', title: 'Conflict', status: 409 },
  'opportunity-closed': { type: '/problems/opportunity-closed', title: 'Conflict', status: 409 },
  'invalid-work-plan-transition': { type: '/problems/invalid-work-plan-transition', title: 'Conflict', status: 409 },
  'invalid-visit-transition': { type: '/problems/invalid-visit-transition', title: 'Conflict', status: 409 },
  // complaints
  'invalid-complaint-transition': { type: '/problems/invalid-complaint-transition', title: 'Conflict', status: 409 },
  'complaint-intake-refused': {
    type: '/problems/complaint-intake-refused',
    title: 'Unprocessable request',
    status: 422,
  },
  'root-cause-required': { type: '/problems/root-cause-required', title: 'Unprocessable request', status: 422 },
  'invalid-improvement-action-transition': {
    type: '/problems/invalid-improvement-action-transition',
    title: 'Conflict',
    status: 409,
  },
  'quote-not-approved': { type: '/problems/quote-not-approved', title: 'Conflict', status: 409 },
  'quote-not-pending': { type: '/problems/quote-not-pending', title: 'Conflict', status: 409 },
  'quote-superseded': { type: '/problems/quote-superseded', title: 'Conflict', status: 409 },
  // webhooks
  'replay-range-too-large': { type: '/problems/replay-range-too-large', title: 'Unprocessable request', status: 422 },
  'forbidden-webhook-destination': {
    type: '/problems/forbidden-webhook-destination',
    title: 'Unprocessable request',
    status: 422,
  },
  'event-type-not-readable': { type: '/problems/event-type-not-readable', title: 'Unprocessable request', status: 422 },
} as const satisfies Record<string, ProblemType>;

export type ProblemCode = keyof typeof PROBLEM_TYPES;

/** Every problem type with its code, for documentation (the OpenAPI document, the README). */
export function listProblemTypes(): (ProblemType & { code: ProblemCode })[] {
  return (Object.keys(PROBLEM_TYPES) as ProblemCode[]).map((code) => ({ code, ...PROBLEM_TYPES[code] }));
}
