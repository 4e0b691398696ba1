import { baseConfigSchema, port } from '@ripple/kit'
import { z } from 'zod'

export const receiverConfigSchema = baseConfigSchema.extend({
  PORT: port(8001),
  TOPIC: z.string().min(1).default('receiver-topic'),
  /** How long a produce request waits for more jobs to share it (Java's linger.ms). */
  KAFKA_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(5),
  KAFKA_BATCH_MESSAGES: z.coerce.number().int().min(1).max(10_000).default(300)
})

export type ReceiverConfig = z.infer<typeof receiverConfigSchema>
