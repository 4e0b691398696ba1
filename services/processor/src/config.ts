import { baseConfigSchema, consumerTuningSchema, port, wholeNumber } from '@ripple/kit'
import { z } from 'zod'

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
  CONCURRENCY_PER_PARTITION: wholeNumber(2000, { min: 1, max: 100_000 }),
  KAFKA_LINGER_MS: wholeNumber(5, { min: 0, max: 1000 }),
  KAFKA_BATCH_MESSAGES: wholeNumber(500, { min: 1, max: 10_000 })
}).extend(consumerTuningSchema({ fetchMaxWaitMs: 20 }).shape)

export type ProcessorConfig = z.infer<typeof processorConfigSchema>
