import { PROCESSOR_TOPIC, RECEIVER_TOPIC } from '@ripple/contracts'
import { baseConfigSchema, consumerTuningSchema, port, wholeNumber } from '@ripple/kit'
import { z } from 'zod'

export const processorConfigSchema = baseConfigSchema.extend({
  /** HTTP for /health and /metrics. */
  PORT: port(8002),
  SOURCE_TOPIC: z.string().min(1).default(RECEIVER_TOPIC),
  TARGET_TOPIC: z.string().min(1).default(PROCESSOR_TOPIC),
  GROUP_ID: z.string().min(1).default('processor'),
  /**
   * Jobs of one partition sleeping at once. A job costs only a timer while it sleeps, so this is
   * what sets throughput: about CONCURRENCY x partitions / sleep jobs per second.
   */
  CONCURRENCY_PER_PARTITION: wholeNumber(2000, { min: 1, max: 100_000 }),
  KAFKA_LINGER_MS: wholeNumber(5, { min: 0, max: 1000 }),
  KAFKA_BATCH_MESSAGES: wholeNumber(500, { min: 1, max: 10_000 })
})
  // A fetch waits for 64 KiB (about 30 jobs) or 80 ms. A job is due `sleep` after its creation, so
  // waiting for a batch costs a job of 80 ms or more nothing and keeps any job within sleep + 100;
  // idle, that is 12 fetches a second rather than 50. A fetch answered at the first record (1 byte)
  // cost more under load, in the processor and in Kafka, than it saved idle (bench/: jobs).
  .extend(consumerTuningSchema({ fetchMaxWaitMs: 80, fetchMinBytes: 65_536 }).shape)

export type ProcessorConfig = z.infer<typeof processorConfigSchema>
