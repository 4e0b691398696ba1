import { baseConfigSchema, port } from '@ripple/kit'
import { z } from 'zod'

const count = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback)

export const converterConfigSchema = baseConfigSchema.extend({
  /** HTTP for /health and /metrics. */
  PORT: port(8003),
  SOURCE_TOPIC: z.string().min(1).default('processor-topic'),
  POSTGRES_TOPIC: z.string().min(1).default('postgres-topic'),
  CLICKHOUSE_TOPIC: z.string().min(1).default('clickhouse-topic'),
  GROUP_ID: z.string().min(1).default('converter'),
  /** JobDones of one partition converted at once (each job id still in order), so sends share produce requests. */
  CONCURRENCY_PER_PARTITION: count(500, 100_000),
  /** Nothing waits on the converter's output but the sinks, so its sends may wait longer to share a request. */
  KAFKA_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(20),
  KAFKA_BATCH_MESSAGES: count(1000, 10_000),
  /** How soon the group hands a crashed member's partitions to another (the broker allows 6-300 s by default). */
  /** Offsets are committed at most this often: fewer writes to __consumer_offsets, a little more redelivered after a crash. */
  KAFKA_COMMIT_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(200),
  /** A fetch waits for this many bytes or KAFKA_FETCH_MAX_WAIT_MS: nothing waits on the converter but the sinks, so its fetches may wait longer to carry more. */
  KAFKA_FETCH_MIN_BYTES: z.coerce.number().int().min(1).max(10_485_760).default(65_536),
  KAFKA_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(1).max(10_000).default(50),
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(10_000),
  RETRIES: z.coerce.number().int().min(0).default(5),
  RETRY_MIN_MS: z.coerce.number().int().min(0).default(500),
  RETRY_MAX_MS: z.coerce.number().int().min(0).default(30_000)
})

export type ConverterConfig = z.infer<typeof converterConfigSchema>
