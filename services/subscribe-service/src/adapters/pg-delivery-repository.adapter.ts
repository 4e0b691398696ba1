import type { Pool } from 'pg'
import type { Delivery, Notification } from '../entities/notification.entity.ts'
import type { DeliveryQueue } from '../ports/delivery-repository.port.ts'
import { NOTIFICATION_COLUMNS, toNotification } from './pg-notification-repository.adapter.ts'
import type { NotificationRow } from './pg-notification-repository.adapter.ts'

/** Webhook deliveries as rows of notifications, claimed with FOR UPDATE SKIP LOCKED and a lease. */
export function createPgDeliveryQueue (pool: Pool): DeliveryQueue {
  return {
    async claimDue (limit, leaseMs, busyUrls) {
      // The oldest due delivery of each receiver not busy here; SKIP LOCKED lets concurrent workers
      // take different rows instead of queueing on the same ones; pushing next_attempt_at past the
      // lease hides a claimed row until its worker is presumed dead.
      const { rows } = await pool.query<NotificationRow & { webhook_secret: string | null }>(`
        UPDATE notifications n
           SET attempts = n.attempts + 1, next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
          FROM (SELECT id FROM notifications
                 WHERE id IN (SELECT DISTINCT ON (webhook_url) id FROM notifications
                               WHERE delivery_state = 'pending' AND next_attempt_at <= now() AND webhook_url <> ALL($3::text[])
                               ORDER BY webhook_url, next_attempt_at, id)
                   -- Repeated here, at the locking level: a row another worker claimed and committed
                   -- meanwhile is re-checked against its new version and dropped, not claimed twice.
                   AND delivery_state = 'pending' AND next_attempt_at <= now()
                 ORDER BY next_attempt_at
                 LIMIT $1
                 FOR UPDATE SKIP LOCKED) due
         WHERE n.id = due.id
        RETURNING ${NOTIFICATION_COLUMNS.split(', ').map(c => `n.${c}`).join(', ')}, n.webhook_secret`,
      [limit, leaseMs, busyUrls])
      return rows.map(row => ({ notification: toNotification(row) as Notification & { delivery: Delivery }, attempt: row.attempts, secret: row.webhook_secret }))
    },

    async markDelivered (id) {
      // Whatever another claim recorded meanwhile, the receiver took this one: that is final.
      await pool.query(`UPDATE notifications SET delivery_state = 'delivered', delivered_at = now(), next_attempt_at = NULL, last_error = NULL
        WHERE id = $1 AND delivery_state <> 'delivered'`, [id])
    },

    async scheduleRetry (id, attempt, at, error) {
      await pool.query(`UPDATE notifications SET next_attempt_at = $3, last_error = $4
        WHERE id = $1 AND attempts = $2 AND delivery_state = 'pending'`, [id, attempt, at, error.slice(0, 1000)])
    },

    async markFailed (id, attempt, error) {
      await pool.query(`UPDATE notifications SET delivery_state = 'failed', next_attempt_at = NULL, last_error = $3
        WHERE id = $1 AND attempts = $2 AND delivery_state = 'pending'`, [id, attempt, error.slice(0, 1000)])
    }
  }
}
