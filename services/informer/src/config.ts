import { PROCESSOR_TOPIC, RECEIVER_TOPIC } from '@ripple/contracts'
import { baseConfigSchema, consumerTuningSchema, port, wholeNumber } from '@ripple/kit'
import { z } from 'zod'

export const informerConfigSchema = baseConfigSchema.extend({
  PORT: port(8004),
  CREATED_TOPIC: z.string().min(1).default(RECEIVER_TOPIC),
  FINISHED_TOPIC: z.string().min(1).default(PROCESSOR_TOPIC),
  GROUP_ID: z.string().min(1).default('informer'),
  POSTGRES_DATABASE: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case PostgreSQL identifier').default('informer'),
  POSTGRES_POOL_SIZE: wholeNumber(16, { min: 1, max: 200 }),
  /** View statements running at once; the rest of the pool answers GET /info. */
  VIEW_WRITERS: wholeNumber(4, { min: 1, max: 100 }),
  /** Events of one partition in flight at once (each job id still in order), so they share the view's statements. */
  CONCURRENCY_PER_PARTITION: wholeNumber(500, { min: 1, max: 10_000 })
})
  // A finish is only visible once fetched, so the wait is short: 64 KiB (receiver-topic fills it
  // quickly under load) or 50 ms, within the 150 ms visible budget after the sleep; idle, 20
  // fetches a second rather than 50. Answered at each record it cost more per job under load.
  .extend(consumerTuningSchema({ fetchMaxWaitMs: 50, fetchMinBytes: 65_536 }).shape)

export type InformerConfig = z.infer<typeof informerConfigSchema>
