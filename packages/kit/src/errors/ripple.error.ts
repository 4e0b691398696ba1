/**
 * The one error base of Ripple code. `code` is stable for callers and logs; `canRetry` tells
 * a consumer whether the same input may succeed later (retry with backoff) or never will
 * (dead-letter it).
 */
export class RippleError extends Error {
  readonly code: string
  readonly canRetry: boolean

  constructor (code: string, message: string, options: { canRetry?: boolean, cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.canRetry = options.canRetry ?? false
  }
}

/** Input that can never be valid: an HTTP 400, or a message that goes straight to the dead-letter topic. */
export class InvalidInputError extends RippleError {
  readonly field: string

  constructor (field: string, message: string) {
    super('INVALID_INPUT', message)
    this.field = field
  }
}
