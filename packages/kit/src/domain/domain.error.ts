/**
 * The one error base of Ripple code, domain and infrastructure alike. `code` is stable for
 * callers and logs (each service types its own union of codes); `canRetry` tells a consumer
 * whether the same input may succeed later (retry with backoff, for as long as it takes) or
 * never will (dead-letter it); `field` names the input at fault, when one is.
 *
 * It lives in a subpath that imports nothing, so entities may extend it without depending on
 * anything else of the kit.
 */
export class DomainError<Code extends string = string> extends Error {
  readonly code: Code
  readonly canRetry: boolean
  readonly field: string | undefined

  constructor (code: Code, message: string, options: { canRetry?: boolean, field?: string, cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.canRetry = options.canRetry ?? false
    this.field = options.field
  }
}
