import type { z } from 'zod'
import { InvalidInputError } from '../errors/ripple.error.ts'
import { parseInput } from '../http/http-server.ts'
import type { ConsumedMessage } from './kafka.types.ts'

/**
 * A record's JSON value read through its contract's schema. What can never be read (a
 * tombstone, text that is not JSON, a value the schema refuses) is an InvalidInputError naming
 * the field (`value`, `value.sleep`), which the consumer parks in the dead-letter topic at once.
 */
export function decodeJsonRecord<S extends z.ZodType> (schema: S, message: Pick<ConsumedMessage, 'value'>): z.infer<S> {
  if (message.value === null || message.value.length === 0) throw new InvalidInputError('value', 'a record without a value (tombstone)')
  let json: unknown
  try {
    json = JSON.parse(message.value.toString('utf8'))
  } catch (error) {
    throw new InvalidInputError('value', `the value is not JSON: ${(error as Error).message}`)
  }
  try {
    return parseInput(schema, json, 'value')
  } catch (error) {
    if (!(error instanceof InvalidInputError) || error.field === 'value') throw error
    throw new InvalidInputError(`value.${error.field}`, `value.${error.field}: ${error.message}`)
  }
}
