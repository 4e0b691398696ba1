import { statementBatcher } from '@ripple/kit'
import type { Pool } from 'pg'
import type { DeliveryState, Notification } from '../entities/notification.entity.ts'
import type { PostCreatedEvent } from '../entities/post-event.entity.ts'
import type { NotificationRepository, RecordOutcome } from '../ports/notification-repository.port.ts'
import { INBOX_TABLE } from './pg.schema.ts'

export interface NotificationRow {
  id: string
  event_id: string
  subscriber_id: string
  author_id: string
  post_id: string
  title: string
  post_created_at: Date
  created_at: Date
  webhook_url: string | null
  delivery_state: DeliveryState | null
  attempts: number
  next_attempt_at: Date | null
  last_error: string | null
  delivered_at: Date | null
}

export const NOTIFICATION_COLUMNS = 'id, event_id, subscriber_id, author_id, post_id, title, post_created_at, created_at, webhook_url, delivery_state, attempts, next_attempt_at, last_error, delivered_at'

export function toNotification (r: NotificationRow): Notification {
  return {
    // bigint columns arrive as text from pg; ids stay far below 2^53.
    id: Number(r.id),
    eventId: r.event_id,
    subscriberId: r.subscriber_id,
    authorId: r.author_id,
    postId: Number(r.post_id),
    title: r.title,
    postCreatedAt: r.post_created_at,
    createdAt: r.created_at,
    delivery: r.webhook_url === null || r.delivery_state === null
      ? null
      : { webhookUrl: r.webhook_url, state: r.delivery_state, attempts: r.attempts, lastError: r.last_error, nextAttemptAt: r.next_attempt_at, deliveredAt: r.delivered_at }
  }
}

// One statement for a batch of events: the inbox takes each event id not yet in it, and only the
// events it took get a notification per subscriber of their author as the subscriptions are now.
// It commits as one, so an event is in the inbox exactly when its notifications are. Event ids go
// into the inbox sorted, so two batches racing for shared ids lock them in the same order; the
// notifications go in the batch's order, so an author's notification ids follow its events. The
// result names each event taken (webhook NULL) and each notification written.
const RECORD_BATCH = `
  WITH events AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::timestamptz[]) WITH ORDINALITY
      AS e (event_id, author_id, post_id, title, post_created_at, ord)
  ), claimed AS (
    INSERT INTO ${INBOX_TABLE} (event_id) SELECT event_id FROM events ORDER BY event_id
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
  ), written AS (
    INSERT INTO notifications (event_id, subscriber_id, author_id, post_id, title, post_created_at, webhook_url, webhook_secret, delivery_state, next_attempt_at)
    SELECT e.event_id, s.subscriber_id, s.author_id, e.post_id, e.title, e.post_created_at, s.webhook_url, s.webhook_secret,
           CASE WHEN s.webhook_url IS NULL THEN NULL ELSE 'pending' END,
           CASE WHEN s.webhook_url IS NULL THEN NULL ELSE now() END
    FROM events e JOIN claimed c ON c.event_id = e.event_id JOIN subscriptions s ON s.author_id = e.author_id
    ORDER BY e.ord, s.subscriber_id
    ON CONFLICT (event_id, subscriber_id) DO NOTHING
    RETURNING event_id, webhook_url IS NOT NULL AS webhook
  )
  SELECT event_id, NULL::boolean AS webhook FROM claimed
  UNION ALL
  SELECT event_id, webhook FROM written`

const DUPLICATE: RecordOutcome = { status: 'duplicate', notified: 0, webhooks: 0 }

/** PostgreSQL refused a value (SQLSTATE class 22, data exception, or 23, integrity constraint). */
const refusedData = (error: unknown): boolean => /^2[23]/.test(String((error as { code?: unknown }).code ?? ''))

export interface PgNotificationOptions {
  /** The most events one statement records. */
  maxBatch?: number
}

/**
 * Notifications in PostgreSQL. Events handed over in the same turn of the event loop (a fetch's
 * worth, with the consumer running many authors at once) are recorded by one statement: one round
 * trip and one commit for all of them instead of four round trips and a commit each. Each call
 * resolves only once its own event is committed and rejects when it is not, so the consumer
 * retries exactly the events that were not recorded.
 */
export function createPgNotificationRepository (pool: Pool, options: PgNotificationOptions = {}): NotificationRepository {
  /** Records distinct events in one statement; answers the outcome of each, in their order. */
  async function record (events: readonly PostCreatedEvent[]): Promise<RecordOutcome[]> {
    const { rows } = await pool.query<{ event_id: string, webhook: boolean | null }>({
      name: 'record-notifications',
      text: RECORD_BATCH,
      values: [events.map(e => e.eventId), events.map(e => e.post.authorId), events.map(e => e.post.id), events.map(e => e.post.title), events.map(e => e.post.createdAt)]
    })
    const taken = new Map<string, { status: 'processed', notified: number, webhooks: number }>()
    for (const r of rows) if (r.webhook === null) taken.set(r.event_id, { status: 'processed', notified: 0, webhooks: 0 })
    for (const r of rows) {
      const outcome = r.webhook === null ? undefined : taken.get(r.event_id)
      if (!outcome) continue
      outcome.notified++
      if (r.webhook) outcome.webhooks++
    }
    return events.map(e => taken.get(e.eventId) ?? DUPLICATE)
  }

  // The same event twice in a batch (two relays, a redelivery) goes in a statement of its own
  // after the first, which the inbox then answers as a duplicate.
  const recordOne = statementBatcher<PostCreatedEvent, RecordOutcome>(async events => {
    try {
      return await record(events)
    } catch (error) {
      // One event whose data the database refuses must not fail the others of its batch each time
      // it is retried: each goes again alone, in the batch's order, and only those that fail again
      // fail their call (and are retried by the consumer). Any other failure (the database down, a
      // deadlock) fails the whole batch at once, for the consumer to retry.
      if (events.length === 1 || !refusedData(error)) throw error
      const outcomes: (RecordOutcome | Error)[] = []
      for (const e of events) outcomes.push(await record([e]).then(([o]) => o!, (failed: unknown) => failed instanceof Error ? failed : new Error(String(failed))))
      return outcomes
    }
  }, e => e.eventId, { maxBatchSize: options.maxBatch ?? 500 })

  return {
    recordForSubscribers: event => recordOne(event),

    async listBySubscriber (subscriberId, { limit, offset }) {
      const [page, count] = await Promise.all([
        pool.query<NotificationRow>(`SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE subscriber_id = $1 ORDER BY id LIMIT $2 OFFSET $3`, [subscriberId, limit, offset]),
        pool.query<{ total: string }>('SELECT count(*) AS total FROM notifications WHERE subscriber_id = $1', [subscriberId])
      ])
      return { items: page.rows.map(toNotification), total: Number(count.rows[0]?.total ?? 0) }
    }
  }
}
