import { CLICKHOUSE_TOPIC, POSTGRES_TOPIC, PROCESSOR_TOPIC } from '@ripple/contracts'
import { baseConfigSchema, consumerTuningSchema, port, wholeNumber } from '@ripple/kit'
import { z } from 'zod'

export const converterConfigSchema = baseConfigSchema.extend({
  /** HTTP for /health and /metrics. */
  PORT: port(8003),
  SOURCE_TOPIC: z.string().min(1).default(PROCESSOR_TOPIC),
  POSTGRES_TOPIC: z.string().min(1).default(POSTGRES_TOPIC),
  CLICKHOUSE_TOPIC: z.string().min(1).default(CLICKHOUSE_TOPIC),
  GROUP_ID: z.string().min(1).default('converter'),
  /** JobDones of one partition converted at once (each job id still in order), so sends share produce requests. */
  CONCURRENCY_PER_PARTITION: wholeNumber(500, { min: 1, max: 100_000 }),
  /** Nothing waits on the converter's output but the sinks, so its sends may wait longer to share a request. */
  KAFKA_LINGER_MS: wholeNumber(20, { min: 0, max: 1000 }),
  KAFKA_BATCH_MESSAGES: wholeNumber(1000, { min: 1, max: 10_000 })
})
  // Only the sinks wait on the converter, so a fetch waits for 64 KiB or half a second: big batches
  // under load (cheaper per job than a fetch answered at each record) and two fetches a second idle.
  .extend(consumerTuningSchema({ fetchMaxWaitMs: 500, fetchMinBytes: 65_536 }).shape)

export type ConverterConfig = z.infer<typeof converterConfigSchema>
