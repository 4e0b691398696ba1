// Domain errors are values interactors return; transport decides what they mean in HTTP.

export class SubscriptionNotFoundError extends Error {
  readonly code = 'SUBSCRIPTION_NOT_FOUND'

  constructor (subscriberId: string, authorId: string) {
    super(`${subscriberId} does not follow ${authorId}`)
    this.name = 'SubscriptionNotFoundError'
  }
}

/** Well-formed input that breaks a rule (following oneself). */
export class InvalidSubscriptionError extends Error {
  readonly code = 'INVALID_SUBSCRIPTION'
  readonly field: string

  constructor (field: string, message: string) {
    super(message)
    this.name = 'InvalidSubscriptionError'
    this.field = field
  }
}

/** A webhook that did not answer 2xx in time: retried with backoff. */
export class WebhookError extends Error {
  readonly code = 'WEBHOOK_FAILED'

  constructor (message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = 'WebhookError'
  }
}
