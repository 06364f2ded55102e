// Typed error kinds of the engine. `kind` follows the platform's error table (invalid_argument →
// 400 / INVALID_ARGUMENT, failed_precondition → 5xx at start-up), and messages are safe to show.
export { AudioDecodeError } from './adapters/ffmpeg.js';
export { ModelLoadError } from './adapters/model-files.js';

export class InvalidRequestError extends Error {
  readonly kind = 'invalid_argument';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}
