import { decodeOutboxRecord } from '@ripple/contracts'
import type { ConsumedMessage } from '@ripple/kit'
import type { PostCreatedEvent } from '../entities/post-event.entity.ts'

export type DecodedPostEvent = { kind: 'post-created', event: PostCreatedEvent } | { kind: 'ignored', type: string }

/** An outbox record as the event subscribers act on; the decoding (and what is refused) is the topic's contract's. */
export function decodePostEvent (message: ConsumedMessage): DecodedPostEvent {
  const decoded = decodeOutboxRecord(message)
  if (decoded.kind === 'ignored') return decoded
  const { post } = decoded
  return { kind: 'post-created', event: { eventId: decoded.eventId, post: { id: post.id, authorId: post.authorId, title: post.title, createdAt: new Date(post.createdAt) } } }
}
