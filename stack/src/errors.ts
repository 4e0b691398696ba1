/**
 * An error the CLI prints as it is: one sentence saying what went wrong and what to do.
 * `canRetry` says whether running the same command again may succeed unchanged.
 */
export class StackError extends Error {
  readonly code: string
  readonly canRetry: boolean

  constructor (code: string, message: string, options: { canRetry?: boolean, cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = 'StackError'
    this.code = code
    this.canRetry = options.canRetry ?? false
  }
}
