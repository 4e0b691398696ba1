import { withInbox } from '@ripple/kit'
import type { Pool } from 'pg'
import type { DeliveryState, Notification } from '../entities/notification.entity.ts'
import type { NotificationRepository } from '../ports/notification-repository.port.ts'
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

export function createPgNotificationRepository (pool: Pool): NotificationRepository {
  return {
    async recordForSubscribers ({ eventId, post }) {
      let notified = 0
      let webhooks = 0
      // One statement picks the author's subscribers as they are now and writes all their notifications.
      const status = await withInbox(pool, INBOX_TABLE, eventId, async client => {
        const { rows } = await client.query<{ webhook: boolean }>(`
          INSERT INTO notifications (event_id, subscriber_id, author_id, post_id, title, post_created_at, webhook_url, delivery_state, next_attempt_at)
          SELECT $1, s.subscriber_id, s.author_id, $3, $4, $5, s.webhook_url,
                 CASE WHEN s.webhook_url IS NULL THEN NULL ELSE 'pending' END,
                 CASE WHEN s.webhook_url IS NULL THEN NULL ELSE now() END
          FROM subscriptions s WHERE s.author_id = $2
          ON CONFLICT (event_id, subscriber_id) DO NOTHING
          RETURNING webhook_url IS NOT NULL AS webhook`,
        [eventId, post.authorId, post.id, post.title, post.createdAt])
        notified = rows.length
        webhooks = rows.filter(r => r.webhook).length
      })
      return status === 'processed' ? { status, notified, webhooks } : { status, notified: 0, webhooks: 0 }
    },

    async listBySubscriber (subscriberId, { limit, offset }) {
      const [page, count] = await Promise.all([
        pool.query<NotificationRow>(`SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE subscriber_id = $1 ORDER BY id LIMIT $2 OFFSET $3`, [subscriberId, limit, offset]),
        pool.query<{ total: string }>('SELECT count(*) AS total FROM notifications WHERE subscriber_id = $1', [subscriberId])
      ])
      return { items: page.rows.map(toNotification), total: Number(count.rows[0]?.total ?? 0) }
    }
  }
}
