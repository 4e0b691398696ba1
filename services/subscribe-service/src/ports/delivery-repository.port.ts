import type { Delivery, Notification } from '../entities/notification.entity.ts'

export interface DueDelivery {
  notification: Notification & { delivery: Delivery }
  /** The attempt this claim is: it also fences the outcome, so a claim that outlived its lease cannot overwrite a later one's. */
  attempt: number
  /** The subscription's signing secret (null only for a delivery recorded before webhooks were signed, and whose subscription is gone). */
  secret: string | null
}

/** Pending webhook deliveries, shared by every worker of every instance. */
export interface DeliveryQueue {
  /**
   * Leases up to `limit` deliveries that are due, oldest due first, at most one per webhook URL
   * and none for the URLs in `busyUrls`, and counts the attempt; no other worker sees them until
   * the lease ends (when a worker died mid-delivery).
   */
  claimDue (limit: number, leaseMs: number, busyUrls: string[]): Promise<DueDelivery[]>
  /** Final: a delivered notification is never claimed again. */
  markDelivered (notificationId: number): Promise<void>
  scheduleRetry (notificationId: number, attempt: number, at: Date, error: string): Promise<void>
  markFailed (notificationId: number, attempt: number, error: string): Promise<void>
}

export interface WebhookClient {
  /**
   * Resolves once the receiver answered 2xx; throws WebhookError on anything else, timeouts and
   * redirects included, with canRetry false when the URL may never be called (a refused address).
   * The body goes as JSON, signed per Standard Webhooks with `secret`; `idempotencyKey` is its
   * webhook-id (and its Idempotency-Key, as before).
   */
  post (url: string, body: unknown, idempotencyKey: string, secret: string): Promise<void>
}
