import { DomainError } from '@ripple/kit/domain'

// Domain errors are values interactors return; transport decides what they mean in HTTP.

export type SubscriptionErrorCode = 'SUBSCRIPTION_NOT_FOUND' | 'INVALID_SUBSCRIPTION' | 'WEBHOOK_FAILED'

export class SubscriptionNotFoundError extends DomainError<SubscriptionErrorCode> {
  constructor (subscriberId: string, authorId: string) {
    super('SUBSCRIPTION_NOT_FOUND', `${subscriberId} does not follow ${authorId}`, { field: 'authorId' })
  }
}

/** Well-formed input that breaks a rule (following oneself). */
export class InvalidSubscriptionError extends DomainError<SubscriptionErrorCode> {
  declare readonly field: string

  constructor (field: string, message: string) {
    super('INVALID_SUBSCRIPTION', message, { field })
  }
}

/**
 * A webhook that did not answer 2xx in time. The delivery worker retries it on its own budget
 * (WEBHOOK_MAX_ATTEMPTS), so it never reaches a consumer's retry; canRetry says only that the
 * same call may succeed later, which is false for a permanent failure (the URL's address is one
 * webhooks may not reach): that delivery fails at once, its reason recorded.
 */
export class WebhookError extends DomainError<SubscriptionErrorCode> {
  constructor (message: string, options: { cause?: unknown, permanent?: boolean } = {}) {
    super('WEBHOOK_FAILED', message, { canRetry: options.permanent !== true, cause: options.cause })
  }
}
