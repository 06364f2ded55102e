// Upload limits and the messages a customer sees when one is crossed.
import { AppError } from '@verbatim/common';

export interface UploadLimits {
  maxBytes: number;
  maxDurationSeconds: number;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${+(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${+(n / 1024 ** 2).toFixed(2)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(2)} KiB`;
  return `${n} bytes`;
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h ? `${h} h ${m} min` : m ? `${m} min ${rest} s` : `${rest} s`;
}

export function tooLarge(limits: UploadLimits): AppError {
  return new AppError('payload_too_large', `the file is larger than the ${formatBytes(limits.maxBytes)} limit`, { limit_bytes: limits.maxBytes });
}

/** Refuses up front when the client already told us the size; the byte count is enforced regardless. */
export function checkDeclaredSize(declared: bigint | number, limits: UploadLimits): void {
  if (Number(declared) > limits.maxBytes) throw tooLarge(limits);
}

export function exceedsSize(received: number, limits: UploadLimits): boolean {
  return received > limits.maxBytes;
}

export function exceedsDuration(seconds: number, limits: UploadLimits): boolean {
  return seconds > limits.maxDurationSeconds;
}

export function tooLong(limits: UploadLimits): AppError {
  return new AppError('payload_too_large', `the audio is longer than the ${formatDuration(limits.maxDurationSeconds)} limit`, {
    limit_seconds: limits.maxDurationSeconds,
  });
}

/** Media created before this instant are past retention; undefined when retention is off (0 days). */
export function retentionCutoff(now: Date, retentionDays: number): Date | undefined {
  if (!retentionDays || retentionDays <= 0) return undefined;
  return new Date(now.getTime() - retentionDays * 24 * 60 * 60 * 1000);
}
