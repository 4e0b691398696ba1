/**
 * Errors of this service. They carry `code` and `canRetry` like the kit's RippleError, which
 * is how the consumer decides between retrying and the dead-letter topic, without entities
 * importing anything.
 */
export class NotificationError extends Error {
  readonly code: string
  readonly canRetry: boolean

  constructor (code: string, message: string, options: { canRetry?: boolean, cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.canRetry = options.canRetry ?? false
  }
}

/** The mail server did not take the mail: temporarily (retry) or for good (dead-letter). */
export class MailDeliveryError extends NotificationError {
  constructor (message: string, options: { permanent: boolean, cause?: unknown }) {
    super(options.permanent ? 'SMTP_REJECTED' : 'SMTP_UNAVAILABLE', message, { canRetry: !options.permanent, cause: options.cause })
  }
}
