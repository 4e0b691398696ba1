import { ensureInboxTable } from '@ripple/kit'
import type { Pool } from 'pg'
import { newWebhookSecret } from './webhook-signature.adapter.ts'

export const INBOX_TABLE = 'inbox'

/**
 * The service's tables, safe to create at every start-up.
 * - notifications: one row per (event, subscriber), which the UNIQUE key enforces on top of the
 *   inbox; a row with a webhook carries its delivery (state, attempts, when next, last error).
 * - ix_notifications_due: only pending deliveries, so the worker's poll stays cheap however
 *   many notifications were delivered long ago.
 * - user_token_states: per user whose tokens something revoked (learnt from userdata.users'
 *   change events), the last password change (epoch ms, user-service's clock, as tokens' iat_ms)
 *   and whether the account was deleted.
 */
export async function migrate (pool: Pool): Promise<void> {
  await ensureInboxTable(pool, INBOX_TABLE)
  await pool.query(`CREATE TABLE IF NOT EXISTS subscriptions (
    author_id text NOT NULL,
    subscriber_id text NOT NULL,
    webhook_url text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (author_id, subscriber_id)
  )`)
  await pool.query('CREATE INDEX IF NOT EXISTS ix_subscriptions_subscriber ON subscriptions (subscriber_id)')
  await pool.query(`CREATE TABLE IF NOT EXISTS notifications (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id text NOT NULL,
    subscriber_id text NOT NULL,
    author_id text NOT NULL,
    post_id bigint NOT NULL,
    title text NOT NULL,
    post_created_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    webhook_url text,
    delivery_state text CHECK (delivery_state IN ('pending', 'delivered', 'failed')),
    attempts int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_error text,
    delivered_at timestamptz,
    UNIQUE (event_id, subscriber_id),
    CHECK ((webhook_url IS NULL) = (delivery_state IS NULL))
  )`)
  await pool.query('CREATE INDEX IF NOT EXISTS ix_notifications_subscriber ON notifications (subscriber_id, id)')
  await pool.query(`CREATE TABLE IF NOT EXISTS user_token_states (
    user_id text PRIMARY KEY,
    password_changed_at_ms bigint,
    deleted boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`)
  await signingSecrets(pool)
  await pool.query("CREATE INDEX IF NOT EXISTS ix_notifications_due ON notifications (next_attempt_at) WHERE delivery_state = 'pending'")
}

/**
 * Webhooks are signed (Standard Webhooks) with a secret per subscription, copied to each of its
 * notifications when recorded, so a delivery is signed with the secret of the subscription it was
 * recorded for. Tables from before get the columns; a subscription from before gets a secret, which
 * was never shown (its subscriber subscribes again to get one), and its pending deliveries get it.
 */
async function signingSecrets (pool: Pool): Promise<void> {
  await pool.query('ALTER TABLE subscriptions ADD COLUMN IF NOT EXISTS webhook_secret text')
  await pool.query('ALTER TABLE notifications ADD COLUMN IF NOT EXISTS webhook_secret text')
  const { rows } = await pool.query<{ author_id: string, subscriber_id: string }>(
    'SELECT author_id, subscriber_id FROM subscriptions WHERE webhook_url IS NOT NULL AND webhook_secret IS NULL')
  for (const r of rows) {
    await pool.query('UPDATE subscriptions SET webhook_secret = $3 WHERE author_id = $1 AND subscriber_id = $2 AND webhook_secret IS NULL',
      [r.author_id, r.subscriber_id, newWebhookSecret()])
  }
  if (rows.length > 0) {
    await pool.query(`UPDATE notifications n SET webhook_secret = s.webhook_secret FROM subscriptions s
      WHERE n.delivery_state = 'pending' AND n.webhook_secret IS NULL AND s.author_id = n.author_id AND s.subscriber_id = n.subscriber_id`)
  }
}
