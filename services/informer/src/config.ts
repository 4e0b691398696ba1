import { baseConfigSchema, consumerTuningSchema, port } from '@ripple/kit'
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
  CONCURRENCY_PER_PARTITION: count(500, 10_000)
}).extend(consumerTuningSchema({ fetchMaxWaitMs: 20 }).shape)

export type InformerConfig = z.infer<typeof informerConfigSchema>
