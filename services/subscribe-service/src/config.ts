import { baseConfigSchema, port } from '@ripple/kit'
import { z } from 'zod'

const count = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback)

export const subscribeServiceConfigSchema = baseConfigSchema.extend({
  PORT: port(8082),
  /** The EventRouter's topic for aggregatetype `post` (and the polling relay's). */
  TOPIC: z.string().min(1).default('outbox.event.post'),
  GROUP_ID: z.string().min(1).default('subscribe-service'),
  POSTGRES_DATABASE: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case PostgreSQL identifier').default('subscribe_service_db'),
  POSTGRES_POOL_SIZE: count(10, 1),
  /** Backoff between attempts at an event whose notifications could not be written (the database failed): retried for as long as that lasts. */
  CONSUMER_RETRY_MIN_MS: count(500),
  CONSUMER_RETRY_MAX_MS: count(30_000),
  WEBHOOK_TIMEOUT_MS: count(5000, 1),
  WEBHOOK_CONCURRENCY: count(16, 1),
  /** Attempts per notification in all; then its delivery is 'failed'. */
  WEBHOOK_MAX_ATTEMPTS: count(10, 1),
  WEBHOOK_RETRY_MIN_MS: count(1000, 1),
  WEBHOOK_RETRY_MAX_MS: count(300_000, 1),
  /** How often the worker looks for due deliveries when nothing woke it. */
  WEBHOOK_POLL_INTERVAL_MS: count(1000, 10),
  /** A claimed delivery is retried by another worker after this long without a recorded outcome. */
  WEBHOOK_LEASE_MS: count(60_000, 1)
}).refine(c => c.WEBHOOK_LEASE_MS > c.WEBHOOK_TIMEOUT_MS, { path: ['WEBHOOK_LEASE_MS'], message: 'must be longer than WEBHOOK_TIMEOUT_MS, or a slow delivery is claimed twice' })

export type SubscribeServiceConfig = z.infer<typeof subscribeServiceConfigSchema>
