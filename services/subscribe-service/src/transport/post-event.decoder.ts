import { InvalidInputError } from '@ripple/kit'
import type { ConsumedMessage } from '@ripple/kit'
import { z } from 'zod'
import type { PostCreatedEvent } from '../entities/post-event.entity.ts'

// Where the outbox puts what (connectors/outbox-connector.json, and post-service's polling relay alike).
export const EVENT_ID_HEADER = 'id'
export const EVENT_TYPE_HEADER = 'eventType'
export const POST_CREATED = 'PostCreated'

const payloadSchema = z.looseObject({
  id: z.number().int().positive(),
  authorId: z.string().min(1),
  title: z.string(),
  createdAt: z.iso.datetime({ offset: true })
})

export type DecodedPostEvent = { kind: 'post-created', event: PostCreatedEvent } | { kind: 'ignored', type: string }

function header (message: ConsumedMessage, name: string): string {
  const value = message.headers.get(name)?.toString('utf8')
  if (!value) throw new InvalidInputError(`headers.${name}`, `the outbox event has no ${name} header`)
  return value
}

/**
 * Reads an outbox record: event id and type from the headers, the post from the JSON value, the
 * author from the key. Types other than PostCreated are for other consumers and are skipped;
 * anything malformed is an InvalidInputError, which the consumer parks in the dead-letter topic.
 */
export function decodePostEvent (message: ConsumedMessage): DecodedPostEvent {
  const type = header(message, EVENT_TYPE_HEADER)
  if (type !== POST_CREATED) return { kind: 'ignored', type }
  const eventId = header(message, EVENT_ID_HEADER)
  if (!message.value || message.value.length === 0) throw new InvalidInputError('value', 'a PostCreated event without a payload')
  let json: unknown
  try {
    json = JSON.parse(message.value.toString('utf8'))
  } catch (error) {
    throw new InvalidInputError('value', `the payload is not JSON: ${(error as Error).message}`)
  }
  const parsed = payloadSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = issue && issue.path.length > 0 ? `value.${issue.path.join('.')}` : 'value'
    throw new InvalidInputError(field, `${field}: ${issue?.message ?? 'invalid'}`)
  }
  const post = parsed.data
  // The key is what kept this author's events in order; one naming someone else was routed wrong.
  const key = message.key?.toString('utf8')
  if (key !== post.authorId) throw new InvalidInputError('key', `the key ${JSON.stringify(key)} is not the post's author ${JSON.stringify(post.authorId)}`)
  return { kind: 'post-created', event: { eventId, post: { id: post.id, authorId: post.authorId, title: post.title, createdAt: new Date(post.createdAt) } } }
}
