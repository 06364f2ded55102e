// The one error handler of the public API: AppErrors by kind through httpStatusFor, errors from
// gRPC clients through fromGrpcError, framework 4xx (validation, multipart limits) by status.
// Bodies are {"error":{"code":"<kind>","message":"..."}}; 5xx details go to the log only.
import { AppError, fromGrpcError, httpStatusFor, isAppError, type ErrorKind } from '@verbatim/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** Errors whose 5xx message was written for customers (e.g. the sync wait timing out). */
const publicMessages = new WeakSet<Error>();

export function withPublicMessage<E extends Error>(e: E): E {
  publicMessages.add(e);
  return e;
}

const KIND_BY_STATUS: Record<number, ErrorKind> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  406: 'invalid_argument',
  409: 'failed_precondition',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'resource_exhausted',
};

const GENERIC_5XX: Partial<Record<ErrorKind, string>> = {
  unavailable: 'a service behind the API is unavailable; try again shortly',
  deadline_exceeded: 'a service behind the API did not answer in time; try again shortly',
};

function isGrpcError(e: unknown): boolean {
  return typeof (e as { code?: unknown })?.code === 'number' && typeof (e as { details?: unknown }).details === 'string';
}

export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (isGrpcError(err)) return fromGrpcError(err);
  const fe = err as FastifyError;
  if (fe?.validation) return new AppError('invalid_argument', fe.message);
  const status = fe?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const kind = KIND_BY_STATUS[status] ?? 'invalid_argument';
    let message = fe.message;
    if (fe.code === 'FST_REQ_FILE_TOO_LARGE') message = 'the uploaded file is larger than the size limit';
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') message = 'unsupported Content-Type: send multipart/form-data or application/json';
    if (fe.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') message = 'the request is not multipart/form-data';
    return new AppError(kind, message);
  }
  return new AppError('internal', 'internal error');
}

/** Status and customer-facing message of an error; logs what the customer must not see. */
export function describeError(err: unknown, request: FastifyRequest): { status: number; kind: ErrorKind; message: string; details?: Record<string, unknown> } {
  const e = toAppError(err);
  const status = httpStatusFor(e.kind);
  if (status >= 500) {
    request.log.error({ err, kind: e.kind }, 'request failed');
    const message = publicMessages.has(e) || publicMessages.has(err as Error) ? e.message : (GENERIC_5XX[e.kind] ?? 'internal error');
    return { status, kind: e.kind, message };
  }
  request.log.info({ kind: e.kind, status, reason: e.message }, 'request refused');
  return { status, kind: e.kind, message: e.message, details: e.details };
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, kind, message } = describeError(err, request);
  void reply.status(status).send({ error: { code: kind, message } });
}
