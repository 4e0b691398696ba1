import { setTimeout as delay } from 'node:timers/promises'
import { WebhookError } from '../entities/subscription.errors.ts'
import { idempotencyKeyOf, retryDelayMs, webhookBody } from '../entities/notification.entity.ts'
import type { RetryPolicy } from '../entities/notification.entity.ts'
import type { DeliveryQueue, DueDelivery, WebhookClient } from '../ports/delivery-repository.port.ts'

/** Waits `ms`, or less when the signal aborts; never rejects. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>

const defaultSleep: Sleep = (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined)

export interface WebhookDeliveryOptions {
  queue: DeliveryQueue
  client: WebhookClient
  retry: RetryPolicy
  /** Deliveries in flight at once: a slow or failing receiver holds one slot, never the others. */
  concurrency: number
  /** How long a claimed delivery stays invisible to other workers; longer than a webhook call can take. */
  leaseMs: number
  /** The wait between looks for due deliveries when nothing woke the worker. */
  intervalMs: number
  onError: (error: unknown) => void
  sleep?: Sleep
  now?: () => Date
}

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed'

export interface WebhookDelivery {
  /** POSTs one claimed notification and records how it went. */
  deliver (due: DueDelivery): Promise<DeliveryOutcome>
  start (): void
  /** New deliveries were just recorded: look now rather than at the end of the interval. */
  wake (): void
  /** Stops claiming and waits for the deliveries in flight. */
  stop (): Promise<void>
}

/**
 * The webhook worker, apart from the Kafka consumer so a receiver's trouble never holds up
 * recording notifications, and one delivery per receiver at a time so it never holds up the
 * other receivers either. Deliveries are claimed from the database with a lease, so several
 * workers (instances) share them and one that dies mid-delivery only delays its claims. A
 * delivery is marked delivered after the receiver's 2xx and never claimed again; a failure is
 * retried with exponential backoff until the policy's last attempt, a permanent one (a refused
 * address) not at all. The window between a
 * receiver's 2xx and our record of it (a crash) can repeat a POST: with the same Idempotency-Key,
 * so the receiver can tell.
 */
export function makeDeliverWebhooks (options: WebhookDeliveryOptions): WebhookDelivery {
  const { queue, client, retry, concurrency, leaseMs, intervalMs, onError } = options
  const sleep = options.sleep ?? defaultSleep
  const now = options.now ?? (() => new Date())
  const stopping = new AbortController()
  const inflight = new Set<Promise<unknown>>()
  // One delivery per receiver at a time: a receiver that hangs holds one slot, not all of them.
  const busyUrls = new Set<string>()
  let nap: AbortController | undefined
  let woken = false
  let running: Promise<void> | undefined

  const wake = () => {
    woken = true
    nap?.abort()
  }

  async function deliver ({ notification: n, attempt, secret }: DueDelivery): Promise<DeliveryOutcome> {
    // Unsigned deliveries are not sent: a receiver could not tell them from forged ones.
    if (secret === null) {
      await queue.markFailed(n.id, attempt, 'no signing secret: recorded before webhooks were signed, and the subscription is gone')
      return 'failed'
    }
    try {
      await client.post(n.delivery.webhookUrl, webhookBody(n), idempotencyKeyOf(n), secret)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      // A URL that may never be called (its address is refused) is not retried.
      const permanent = error instanceof WebhookError && !error.canRetry
      if (permanent || attempt >= retry.maxAttempts) {
        await queue.markFailed(n.id, attempt, reason)
        return 'failed'
      }
      await queue.scheduleRetry(n.id, attempt, new Date(now().getTime() + retryDelayMs(attempt, retry)), reason)
      return 'retry'
    }
    await queue.markDelivered(n.id)
    return 'delivered'
  }

  function track (due: DueDelivery): void {
    const url = due.notification.delivery.webhookUrl
    busyUrls.add(url)
    const tracked = deliver(due)
      .catch(onError)
      // A freed slot may take the next due delivery at once.
      .finally(() => { inflight.delete(tracked); busyUrls.delete(url); wake() })
    inflight.add(tracked)
  }

  async function loop (): Promise<void> {
    while (!stopping.signal.aborted) {
      woken = false
      const free = concurrency - inflight.size
      if (free > 0) {
        try {
          const due = await queue.claimDue(free, leaseMs, [...busyUrls])
          for (const d of due) track(d)
          // Every free slot was filled: more may be due.
          if (due.length === free) continue
        } catch (error) {
          onError(error)
        }
      }
      if (woken) continue
      nap = new AbortController()
      await sleep(intervalMs, AbortSignal.any([stopping.signal, nap.signal]))
      nap = undefined
    }
    await Promise.allSettled([...inflight])
  }

  return {
    deliver,
    start () {
      running ??= loop()
    },
    wake,
    async stop () {
      stopping.abort()
      await running
    }
  }
}
