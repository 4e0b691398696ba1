import type { Pool } from 'pg'
import type { Subscription } from '../entities/subscription.entity.ts'
import type { SubscriptionRepository } from '../ports/subscription-repository.port.ts'

interface SubscriptionRow { author_id: string, subscriber_id: string, webhook_url: string | null, created_at: Date }

const toSubscription = (r: SubscriptionRow): Subscription => ({ subscriberId: r.subscriber_id, authorId: r.author_id, webhookUrl: r.webhook_url, createdAt: r.created_at })

export function createPgSubscriptionRepository (pool: Pool): SubscriptionRepository {
  return {
    async upsert (s) {
      // xmax is 0 on a row this statement inserted, and set on one it updated.
      const { rows } = await pool.query<SubscriptionRow & { created: boolean }>(`
        INSERT INTO subscriptions (author_id, subscriber_id, webhook_url, webhook_secret) VALUES ($1, $2, $3, $4)
        ON CONFLICT (author_id, subscriber_id) DO UPDATE SET webhook_url = EXCLUDED.webhook_url, webhook_secret = EXCLUDED.webhook_secret
        RETURNING author_id, subscriber_id, webhook_url, created_at, (xmax = 0) AS created`,
      [s.authorId, s.subscriberId, s.webhookUrl, s.webhookSecret])
      const row = rows[0]!
      return { subscription: toSubscription(row), created: row.created }
    },

    async delete (subscriberId, authorId) {
      const result = await pool.query('DELETE FROM subscriptions WHERE author_id = $1 AND subscriber_id = $2', [authorId, subscriberId])
      return (result.rowCount ?? 0) > 0
    },

    async listBySubscriber (subscriberId) {
      const { rows } = await pool.query<SubscriptionRow>(
        'SELECT author_id, subscriber_id, webhook_url, created_at FROM subscriptions WHERE subscriber_id = $1 ORDER BY created_at, author_id', [subscriberId])
      return rows.map(toSubscription)
    }
  }
}
