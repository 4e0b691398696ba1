import { baseConfigSchema, consumerTuningSchema, port } from '@ripple/kit'
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
  KAFKA_BATCH_MESSAGES: count(500, 10_000)
}).extend(consumerTuningSchema({ fetchMaxWaitMs: 20 }).shape)

export type ProcessorConfig = z.infer<typeof processorConfigSchema>
