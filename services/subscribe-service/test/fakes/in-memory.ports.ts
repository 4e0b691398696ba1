import type { Delivery, Notification } from '../../src/entities/notification.entity.ts'
import type { PostCreatedEvent } from '../../src/entities/post-event.entity.ts'
import type { NewSubscription, Subscription } from '../../src/entities/subscription.entity.ts'
import { WebhookError } from '../../src/entities/subscription.errors.ts'
import type { DeliveryQueue, DueDelivery, WebhookClient } from '../../src/ports/delivery-repository.port.ts'
import type { NotificationRepository } from '../../src/ports/notification-repository.port.ts'
import type { SubscriptionRepository } from '../../src/ports/subscription-repository.port.ts'
import type { WebhookAddressPolicy } from '../../src/ports/webhook-address.port.ts'

/** A subscription as listed: never its secret. */
const listed = (s: Subscription): Subscription => ({ subscriberId: s.subscriberId, authorId: s.authorId, webhookUrl: s.webhookUrl, createdAt: s.createdAt })

/** A clock tests move by hand. */
export class FakeClock {
  ms: number
  constructor (iso = '2026-03-01T10:00:00.000Z') { this.ms = Date.parse(iso) }
  now = () => new Date(this.ms)
  advance (ms: number) { this.ms += ms }
}

/**
 * Subscriptions, notifications and their deliveries in memory, with the database's contracts:
 * the inbox makes an event id count once, claims lease a delivery and count the attempt, and an
 * outcome is recorded only for the latest claim (success always).
 */
export class InMemoryStore implements SubscriptionRepository, DeliveryQueue {
  subscriptions: Array<Subscription & { webhookSecret: string | null }> = []
  notifications: Notification[] = []
  inbox = new Set<string>()
  /** Each notification's signing secret, copied from its subscription when recorded. */
  secrets = new Map<number, string | null>()
  claims = 0
  private nextId = 1
  private readonly clock: FakeClock
  constructor (clock = new FakeClock()) { this.clock = clock }

  async upsert (s: NewSubscription) {
    const existing = this.subscriptions.find(x => x.subscriberId === s.subscriberId && x.authorId === s.authorId)
    if (existing) {
      existing.webhookUrl = s.webhookUrl
      existing.webhookSecret = s.webhookSecret
      return { subscription: listed(existing), created: false }
    }
    const subscription = { ...s, createdAt: this.clock.now() }
    this.subscriptions.push(subscription)
    return { subscription: listed(subscription), created: true }
  }

  async delete (subscriberId: string, authorId: string) {
    const before = this.subscriptions.length
    this.subscriptions = this.subscriptions.filter(x => !(x.subscriberId === subscriberId && x.authorId === authorId))
    return this.subscriptions.length < before
  }

  async listBySubscriber (subscriberId: string) {
    return this.subscriptions.filter(x => x.subscriberId === subscriberId).map(listed)
  }

  async recordForSubscribers ({ eventId, post }: PostCreatedEvent) {
    if (this.inbox.has(eventId)) return { status: 'duplicate' as const, notified: 0, webhooks: 0 }
    this.inbox.add(eventId)
    const made = this.subscriptions.filter(s => s.authorId === post.authorId).map((s): Notification => ({
      id: this.nextId++,
      eventId,
      subscriberId: s.subscriberId,
      authorId: post.authorId,
      postId: post.id,
      title: post.title,
      postCreatedAt: post.createdAt,
      createdAt: this.clock.now(),
      delivery: s.webhookUrl === null ? null : { webhookUrl: s.webhookUrl, state: 'pending', attempts: 0, lastError: null, nextAttemptAt: this.clock.now(), deliveredAt: null }
    }))
    for (const n of made) this.secrets.set(n.id, this.subscriptions.find(s => s.subscriberId === n.subscriberId && s.authorId === n.authorId)?.webhookSecret ?? null)
    this.notifications.push(...made)
    return { status: 'processed' as const, notified: made.length, webhooks: made.filter(n => n.delivery).length }
  }

  async claimDue (limit: number, leaseMs: number, busyUrls: string[] = []): Promise<DueDelivery[]> {
    this.claims++
    const now = this.clock.ms
    const taken = new Set(busyUrls)
    const due = this.notifications
      .filter((n): n is Notification & { delivery: Delivery } => n.delivery?.state === 'pending' && (n.delivery.nextAttemptAt?.getTime() ?? Infinity) <= now)
      .sort((a, b) => a.delivery.nextAttemptAt!.getTime() - b.delivery.nextAttemptAt!.getTime())
      .filter(n => !taken.has(n.delivery.webhookUrl) && Boolean(taken.add(n.delivery.webhookUrl)))
      .slice(0, limit)
    return due.map(n => {
      n.delivery.attempts++
      n.delivery.nextAttemptAt = new Date(now + leaseMs)
      return { notification: structuredClone(n), attempt: n.delivery.attempts, secret: this.secrets.get(n.id) ?? null }
    })
  }

  private delivery (id: number) {
    const d = this.notifications.find(n => n.id === id)?.delivery
    if (!d) throw new Error(`no delivery ${id}`)
    return d
  }

  async markDelivered (id: number) {
    const d = this.delivery(id)
    if (d.state === 'delivered') return
    Object.assign(d, { state: 'delivered', deliveredAt: this.clock.now(), nextAttemptAt: null, lastError: null })
  }

  async scheduleRetry (id: number, attempt: number, at: Date, error: string) {
    const d = this.delivery(id)
    if (d.attempts === attempt && d.state === 'pending') Object.assign(d, { nextAttemptAt: at, lastError: error })
  }

  async markFailed (id: number, attempt: number, error: string) {
    const d = this.delivery(id)
    if (d.attempts === attempt && d.state === 'pending') Object.assign(d, { state: 'failed', nextAttemptAt: null, lastError: error })
  }
}

/** A NotificationRepository listing view over the store, kept apart so the two listBySubscriber signatures do not clash. */
export function notificationsOf (store: InMemoryStore): NotificationRepository {
  return {
    recordForSubscribers: e => store.recordForSubscribers(e),
    async listBySubscriber (subscriberId, { limit, offset }) {
      const mine = store.notifications.filter(n => n.subscriberId === subscriberId)
      return { items: structuredClone(mine.slice(offset, offset + limit)), total: mine.length }
    }
  }
}

export interface WebhookCall { url: string, key: string, body: unknown, secret: string }

/** A webhook address policy that refuses the URLs it is told to, with the reason given. */
export class FakeWebhookAddresses implements WebhookAddressPolicy {
  refused = new Map<string, string>()
  async refusal (url: string) { return this.refused.get(url) }
}

/** Receivers by URL: each fails a scripted number of times, hangs until released, or is a refused address. */
export class FakeWebhooks implements WebhookClient {
  calls: WebhookCall[] = []
  failuresLeft = new Map<string, number>()
  hanging = new Set<string>()
  /** URLs whose address is refused at delivery (as after a DNS change): a permanent failure. */
  refused = new Set<string>()
  private releases: Array<() => void> = []

  async post (url: string, body: unknown, key: string, secret: string) {
    this.calls.push({ url, key, body, secret })
    if (this.refused.has(url)) throw new WebhookError('webhook address refused: hooks.test resolves to 127.0.0.1, a loopback address, not a public address', { permanent: true })
    if (this.hanging.has(url)) {
      await new Promise<void>(resolve => this.releases.push(resolve))
      throw new WebhookError('webhook not reached: timed out')
    }
    const left = this.failuresLeft.get(url) ?? 0
    if (left > 0) {
      this.failuresLeft.set(url, left - 1)
      throw new WebhookError('webhook answered 500')
    }
  }

  release () {
    for (const r of this.releases.splice(0)) r()
  }

}

export const postEvent = (eventId: string, authorId: string, id = 1, title = `Post ${id}`): PostCreatedEvent =>
  ({ eventId, post: { id, authorId, title, createdAt: new Date('2026-03-01T09:00:00.000Z') } })
