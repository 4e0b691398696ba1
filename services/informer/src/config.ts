import { baseConfigSchema, port } from '@ripple/kit'
import { z } from 'zod'

const count = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback)

export const informerConfigSchema = baseConfigSchema.extend({
  PORT: port(8004),
  CREATED_TOPIC: z.string().min(1).default('receiver-topic'),
  FINISHED_TOPIC: z.string().min(1).default('processor-topic'),
  GROUP_ID: z.string().min(1).default('informer'),
  POSTGRES_DATABASE: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case PostgreSQL identifier').default('informer'),
  POSTGRES_POOL_SIZE: count(16, 200),
  /** View statements running at once; the rest of the pool answers GET /info. */
  VIEW_WRITERS: count(4, 100),
  /** Events of one partition in flight at once (each job id still in order), so they share the view's statements. */
  CONCURRENCY_PER_PARTITION: count(500, 10_000),
  /** How soon the group hands a crashed member's partitions to another (the broker allows 6-300 s by default). */
  /** Offsets are committed at most this often: fewer writes to __consumer_offsets, a little more redelivered after a crash. */
  KAFKA_COMMIT_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(200),
  /** A fetch waits for this many bytes or KAFKA_FETCH_MAX_WAIT_MS: a few ms more before informer shows a job, for fetches that carry many records. */
  KAFKA_FETCH_MIN_BYTES: z.coerce.number().int().min(1).max(10_485_760).default(65_536),
  KAFKA_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(1).max(10_000).default(20),
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(10_000),
  RETRIES: z.coerce.number().int().min(0).default(5),
  RETRY_MIN_MS: z.coerce.number().int().min(0).default(500),
  RETRY_MAX_MS: z.coerce.number().int().min(0).default(30_000)
})

export type InformerConfig = z.infer<typeof informerConfigSchema>
