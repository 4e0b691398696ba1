// Reading and writing a topic's values through its contract, so a producer cannot send what its
// consumers would dead-letter. Topics with a decoder of their own (carga's key check) export it
// beside their contract; this is the plain case.
import { decodeJsonRecord, InvalidInputError } from '@ripple/kit'
import type { ConsumedMessage } from '@ripple/kit'
import type { z } from 'zod'
import type { TopicContract } from './topic.contract.ts'

/** A JSON value of the topic, checked: an InvalidInputError naming the field, which the kit dead-letters. */
export function decodeValue<V extends z.ZodType> (topic: TopicContract<z.ZodType, V>, message: Pick<ConsumedMessage, 'value'>): z.infer<V> {
  if (topic.value.encoding !== 'json' && topic.value.encoding !== 'connect-json') throw new Error(`${topic.name}: its values are ${topic.value.encoding}, not JSON`)
  return decodeJsonRecord(topic.value.schema, message)
}

/** The bytes to send, after checking the value against the contract (a bug here, not bad input: it throws before anything is sent). */
export function encodeValue<V extends z.ZodType> (topic: TopicContract<z.ZodType, V>, value: z.input<V>): string {
  const checked = topic.value.schema.safeParse(value)
  if (!checked.success) {
    const issue = checked.error.issues[0]
    const field = issue?.path.join('.') || 'value'
    throw new InvalidInputError(field, `${topic.name}: the value does not match the contract: ${field}: ${issue?.message ?? 'invalid'}`)
  }
  return typeof value === 'string' && topic.value.encoding !== 'json' ? value : JSON.stringify(value)
}
