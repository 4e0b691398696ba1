export type DeliveryState = 'pending' | 'delivered' | 'failed'

/** A webhook delivery's progress: at most one successful POST is recorded per notification. */
export interface Delivery {
  webhookUrl: string
  state: DeliveryState
  attempts: number
  lastError: string | null
  nextAttemptAt: Date | null
  deliveredAt: Date | null
}

/** One subscriber told of one post. */
export interface Notification {
  id: number
  eventId: string
  subscriberId: string
  authorId: string
  postId: number
  title: string
  postCreatedAt: Date
  createdAt: Date
  /** null when the subscriber has no webhook. */
  delivery: Delivery | null
}

/**
 * The key a receiver deduplicates by: one per (event, subscriber), the same on every retry and
 * whichever instance sends it.
 */
export const idempotencyKeyOf = (n: { eventId: string, subscriberId: string }): string => `${n.eventId}:${n.subscriberId}`

/** What a webhook receives. */
export function webhookBody (n: Notification) {
  return {
    notificationId: n.id,
    type: 'PostCreated',
    eventId: n.eventId,
    subscriberId: n.subscriberId,
    post: { id: n.postId, authorId: n.authorId, title: n.title, createdAt: n.postCreatedAt.toISOString() }
  }
}

export interface RetryPolicy {
  minMs: number
  maxMs: number
  /** Attempts in all; after the last failure the delivery is 'failed' and stays so. */
  maxAttempts: number
}

/** Exponential backoff: minMs after the first failed attempt, doubling up to maxMs. */
export function retryDelayMs (failedAttempts: number, policy: RetryPolicy): number {
  return Math.min(policy.maxMs, policy.minMs * 2 ** Math.max(0, failedAttempts - 1))
}
