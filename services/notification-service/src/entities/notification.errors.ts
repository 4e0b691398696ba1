import { DomainError } from '@ripple/kit/domain'

/**
 * SMTP_REJECTED: a 5xx reply, the server will never take this mail (dead-letter it).
 * SMTP_UNAVAILABLE: the mail certainly did not go out (no connection, a 4xx reply): wait and send it.
 * SMTP_IN_DOUBT: the session broke after the mail may have been handed over (a timeout or a
 * dropped connection with no reply to DATA): wait and send it again, with the same Message-ID.
 */
export type NotificationErrorCode = 'SMTP_REJECTED' | 'SMTP_UNAVAILABLE' | 'SMTP_IN_DOUBT'

export type DeliveryOutcome = 'rejected' | 'not-sent' | 'maybe-sent'

const CODES: Record<DeliveryOutcome, NotificationErrorCode> = { 'rejected': 'SMTP_REJECTED', 'not-sent': 'SMTP_UNAVAILABLE', 'maybe-sent': 'SMTP_IN_DOUBT' }

/** The mail server did not confirm the mail; `outcome` says whether it may have gone out anyway. */
export class MailDeliveryError extends DomainError<NotificationErrorCode> {
  readonly outcome: DeliveryOutcome

  constructor (message: string, options: { outcome: DeliveryOutcome, cause?: unknown }) {
    super(CODES[options.outcome], message, { canRetry: options.outcome !== 'rejected', cause: options.cause })
    this.outcome = options.outcome
  }
}
