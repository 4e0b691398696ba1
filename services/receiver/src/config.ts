import { RECEIVER_TOPIC } from '@ripple/contracts'
import { baseConfigSchema, port, wholeNumber } from '@ripple/kit'
import { z } from 'zod'

export const receiverConfigSchema = baseConfigSchema.extend({
  PORT: port(8001),
  TOPIC: z.string().min(1).default(RECEIVER_TOPIC),
  /** How long a produce request waits for more jobs to share it (Java's linger.ms). */
  KAFKA_LINGER_MS: wholeNumber(5, { min: 0, max: 1000 }),
  KAFKA_BATCH_MESSAGES: wholeNumber(300, { min: 1, max: 10_000 })
})

export type ReceiverConfig = z.infer<typeof receiverConfigSchema>
