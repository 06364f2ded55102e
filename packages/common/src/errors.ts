// Typed error kinds and the one table that maps them to gRPC status codes and on to HTTP
// statuses. Unknown errors become INTERNAL / 500 with the detail only in the log.
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';

export const ERROR_KINDS = {
  invalid_argument: { grpc: GrpcStatus.INVALID_ARGUMENT, http: 400 },
  unauthenticated: { grpc: GrpcStatus.UNAUTHENTICATED, http: 401 },
  insufficient_credit: { grpc: GrpcStatus.FAILED_PRECONDITION, http: 402 },
  permission_denied: { grpc: GrpcStatus.PERMISSION_DENIED, http: 403 },
  not_found: { grpc: GrpcStatus.NOT_FOUND, http: 404 },
  already_exists: { grpc: GrpcStatus.ALREADY_EXISTS, http: 409 },
  failed_precondition: { grpc: GrpcStatus.FAILED_PRECONDITION, http: 409 },
  payload_too_large: { grpc: GrpcStatus.OUT_OF_RANGE, http: 413 },
  unsupported_media_type: { grpc: GrpcStatus.INVALID_ARGUMENT, http: 415 },
  unprocessable: { grpc: GrpcStatus.INVALID_ARGUMENT, http: 422 },
  resource_exhausted: { grpc: GrpcStatus.RESOURCE_EXHAUSTED, http: 429 },
  cancelled: { grpc: GrpcStatus.CANCELLED, http: 499 },
  internal: { grpc: GrpcStatus.INTERNAL, http: 500 },
  unavailable: { grpc: GrpcStatus.UNAVAILABLE, http: 503 },
  deadline_exceeded: { grpc: GrpcStatus.DEADLINE_EXCEEDED, http: 504 },
} as const;

export type ErrorKind = keyof typeof ERROR_KINDS;

/** The metadata key that carries the precise kind across gRPC (codes alone are ambiguous). */
export const ERROR_KIND_METADATA = 'verbatim-error-kind';

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const errors = {
  invalid: (msg: string, details?: Record<string, unknown>) => new AppError('invalid_argument', msg, details),
  notFound: (what: string) => new AppError('not_found', `${what} not found`),
  unauthenticated: (msg: string) => new AppError('unauthenticated', msg),
  forbidden: (msg: string) => new AppError('permission_denied', msg),
  unavailable: (msg: string) => new AppError('unavailable', msg),
};

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

export function httpStatusFor(kind: ErrorKind): number {
  return ERROR_KINDS[kind].http;
}

const kindByGrpcCode = new Map<number, ErrorKind>([
  [GrpcStatus.INVALID_ARGUMENT, 'invalid_argument'],
  [GrpcStatus.UNAUTHENTICATED, 'unauthenticated'],
  [GrpcStatus.PERMISSION_DENIED, 'permission_denied'],
  [GrpcStatus.NOT_FOUND, 'not_found'],
  [GrpcStatus.ALREADY_EXISTS, 'already_exists'],
  [GrpcStatus.FAILED_PRECONDITION, 'failed_precondition'],
  [GrpcStatus.OUT_OF_RANGE, 'payload_too_large'],
  [GrpcStatus.RESOURCE_EXHAUSTED, 'resource_exhausted'],
  [GrpcStatus.CANCELLED, 'cancelled'],
  [GrpcStatus.UNAVAILABLE, 'unavailable'],
  [GrpcStatus.DEADLINE_EXCEEDED, 'deadline_exceeded'],
]);

/** An error thrown by a handler, as the gRPC status the caller will see. */
export function toGrpcError(e: unknown): Partial<ServiceError> & { code: number; details: string } {
  const metadata = new Metadata();
  if (isAppError(e)) {
    metadata.set(ERROR_KIND_METADATA, e.kind);
    if (e.details) metadata.set('verbatim-error-details', JSON.stringify(e.details));
    return { code: ERROR_KINDS[e.kind].grpc, details: e.message, metadata };
  }
  metadata.set(ERROR_KIND_METADATA, 'internal');
  return { code: GrpcStatus.INTERNAL, details: 'internal error', metadata };
}

/** A gRPC client error back as an AppError, keeping the server's kind and message. */
export function fromGrpcError(e: unknown): AppError {
  if (isAppError(e)) return e;
  const se = e as Partial<ServiceError>;
  if (typeof se?.code !== 'number') return new AppError('internal', 'internal error');
  const declared = se.metadata?.get(ERROR_KIND_METADATA)[0];
  const kind: ErrorKind =
    typeof declared === 'string' && declared in ERROR_KINDS
      ? (declared as ErrorKind)
      : (kindByGrpcCode.get(se.code) ?? 'internal');
  let details: Record<string, unknown> | undefined;
  const rawDetails = se.metadata?.get('verbatim-error-details')[0];
  if (typeof rawDetails === 'string') {
    try {
      details = JSON.parse(rawDetails) as Record<string, unknown>;
    } catch {
      details = undefined;
    }
  }
  const message = kind === 'internal' ? 'internal error' : (se.details ?? se.message ?? kind);
  return new AppError(kind, message, details);
}
