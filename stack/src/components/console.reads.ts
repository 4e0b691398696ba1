import { JOBS_DATABASE } from './postgres.ts'
import type { StackConfig } from '../config.ts'
import type { DatabaseEngine } from '../secrets.ts'

/** One table the console reads, with exactly the columns its queries name (selected, filtered, joined or sorted on). */
export interface TableRead {
  readonly engine: DatabaseEngine
  readonly database: string
  readonly table: string
  readonly columns: readonly string[]
}

/** A service's own database as the registry names it, else its default. */
export const serviceDatabase = (config: StackConfig, service: string, fallback: string): string =>
  config.services.find(s => s.name === service)?.database?.database ?? fallback

/**
 * Every database read of the console (the trace pages, console/src/trace), which its
 * accounts are granted and nothing else: SELECT on these columns. A query that names another
 * column is refused (MariaDB ER_COLUMNACCESS_DENIED_ERROR, PostgreSQL 42501) until it is listed
 * here; userdata.users.password never is.
 */
export function consoleReads (config: StackConfig): TableRead[] {
  const users = serviceDatabase(config, 'user-service', 'userdata')
  const posts = serviceDatabase(config, 'post-service', 'post_service_db')
  const informer = serviceDatabase(config, 'informer', 'informer')
  const subscriptions = serviceDatabase(config, 'subscribe-service', 'subscribe_service_db')
  const notifications = serviceDatabase(config, 'notification-service', 'notification_service')
  return [
    // user.trace.ts: the row a change came from (no password, no name or address: not shown).
    { engine: 'mariadb', database: users, table: 'users', columns: ['id', 'username', 'email', 'status', 'createdAt', 'lastUpdated'] },
    // post.trace.ts: the post and its outbox row.
    { engine: 'mariadb', database: posts, table: 'posts', columns: ['id', 'author_id', 'title', 'created_at'] },
    { engine: 'mariadb', database: posts, table: 'outbox', columns: ['seq', 'id', 'type', 'event_key', 'created_at', 'aggregatetype', 'aggregateid'] },
    // user.trace.ts: notification-service's inbox and sent-mail log.
    { engine: 'postgres', database: notifications, table: 'inbox', columns: ['event_id', 'processed_at'] },
    { engine: 'postgres', database: notifications, table: 'sent_mails', columns: ['event_id', 'seq', 'kind', 'recipient', 'subject', 'status', 'claimed_at', 'sent_at'] },
    // post.trace.ts: subscribe-service's inbox and notifications.
    { engine: 'postgres', database: subscriptions, table: 'inbox', columns: ['event_id', 'processed_at'] },
    { engine: 'postgres', database: subscriptions, table: 'notifications', columns: ['id', 'event_id', 'subscriber_id', 'webhook_url', 'delivery_state', 'attempts', 'last_error', 'created_at', 'delivered_at'] },
    // job.trace.ts: informer's view and the JDBC sink's jobs table.
    { engine: 'postgres', database: informer, table: 'job_views', columns: ['id', 'status', 'create_date', 'finish_date', 'updated_at'] },
    { engine: 'postgres', database: JOBS_DATABASE, table: 'jobs', columns: ['id', 'status', 'create_date', 'finish_date'] }
  ]
}
