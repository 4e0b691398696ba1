import { OUTBOX_HEADERS, POST_CREATED, postCreatedPayloadSchema } from '@ripple/contracts'
import { decodeJsonRecord, InvalidInputError } from '@ripple/kit'
import type { ConsumedMessage } from '@ripple/kit'
import type { PostCreatedEvent } from '../entities/post-event.entity.ts'

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
  const type = header(message, OUTBOX_HEADERS.eventType)
  if (type !== POST_CREATED) return { kind: 'ignored', type }
  const eventId = header(message, OUTBOX_HEADERS.id)
  const post = decodeJsonRecord(postCreatedPayloadSchema, message)
  // The key is what kept this author's events in order; one naming someone else was routed wrong.
  const key = message.key?.toString('utf8')
  if (key !== post.authorId) throw new InvalidInputError('key', `the key ${JSON.stringify(key)} is not the post's author ${JSON.stringify(post.authorId)}`)
  return { kind: 'post-created', event: { eventId, post: { id: post.id, authorId: post.authorId, title: post.title, createdAt: new Date(post.createdAt) } } }
}
