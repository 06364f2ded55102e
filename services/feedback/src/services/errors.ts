// Domain validation errors become invalid_argument with the domain's own (customer-readable) message.
import { AppError } from '@verbatim/common';
import { InvalidBucketCount } from '../domain/calibration.js';
import { InvalidCohort } from '../domain/cohorts.js';
import { InvalidEdit } from '../domain/edits.js';
import { InvalidPeriod } from '../domain/periods.js';

export function asInvalid<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InvalidEdit || e instanceof InvalidPeriod || e instanceof InvalidBucketCount || e instanceof InvalidCohort) {
      throw new AppError('invalid_argument', e.message);
    }
    throw e;
  }
}

export function required(value: string, field: string): string {
  if (!value || !value.trim()) throw new AppError('invalid_argument', `${field} is required`);
  return value;
}
