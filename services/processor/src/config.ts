import { baseConfigSchema, port } from '@ripple/kit'
import { z } from 'zod'

const count = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback)

export const processorConfigSchema = baseConfigSchema.extend({
  /** HTTP for /health and /metrics. */
  PORT: port(8002),
  SOURCE_TOPIC: z.string().min(1).default('receiver-topic'),
  TARGET_TOPIC: z.string().min(1).default('processor-topic'),
  GROUP_ID: z.string().min(1).default('processor'),
  /**
   * Jobs of one partition sleeping at once. A job costs only a timer while it sleeps, so this is
   * what sets throughput: about CONCURRENCY x partitions / sleep jobs per second.
   */
  CONCURRENCY_PER_PARTITION: count(2000, 100_000),
  KAFKA_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(5),
  KAFKA_BATCH_MESSAGES: count(500, 10_000),
  /** How soon the group hands a crashed member's partitions to another (the broker allows 6-300 s by default). */
  /** Offsets are committed at most this often: fewer writes to __consumer_offsets, a little more redelivered after a crash. */
  KAFKA_COMMIT_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(200),
  /** A fetch waits for this many bytes or KAFKA_FETCH_MAX_WAIT_MS: a job waits for its due time anyway, so a fetch may wait a little to carry more. */
  KAFKA_FETCH_MIN_BYTES: z.coerce.number().int().min(1).max(10_485_760).default(65_536),
  KAFKA_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(1).max(10_000).default(20),
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(10_000),
  RETRIES: z.coerce.number().int().min(0).default(5),
  RETRY_MIN_MS: z.coerce.number().int().min(0).default(500),
  RETRY_MAX_MS: z.coerce.number().int().min(0).default(30_000)
})

export type ProcessorConfig = z.infer<typeof processorConfigSchema>
