// The outbox's records (seed 004): headers and the PostCreated payload on outbox.event.post.
// Both relays publish the same record (connectors/outbox-connector.json for Debezium's
// EventRouter, post-service's polling relay): topic `outbox.event.<aggregatetype>`, key the
// author, value the payload text as stored, headers the event id and type.
import { z } from 'zod'

/** Where each relay puts the event's id (consumers deduplicate by it) and type (table.fields.additional.placement). */
export const OUTBOX_HEADERS = { id: 'id', eventType: 'eventType' } as const

export const POST_AGGREGATE = 'post'
export const POST_CREATED = 'PostCreated'

/** The topic the EventRouter routes an aggregate type to (route.topic.replacement). */
export const outboxTopic = (aggregateType: string, prefix = 'outbox.event.'): string => `${prefix}${aggregateType}`

/**
 * What subscribers learn of a new post: all of it, so none has to call back for the rest.
 * Loose: a field added later is passed over by consumers that do not know it yet.
 */
export const postCreatedPayloadSchema = z.looseObject({
  id: z.number().int().positive(),
  authorId: z.string().min(1),
  title: z.string(),
  content: z.string(),
  createdAt: z.iso.datetime({ offset: true })
})

export type PostCreatedPayload = z.infer<typeof postCreatedPayloadSchema>

/**
 * An event as the outbox table holds it, in the shape Debezium's outbox EventRouter reads: the
 * aggregate type picks the topic, the key keeps one author's events in order, the payload is
 * published verbatim.
 */
export interface OutboxEvent {
  /** The event's own id (a UUID): consumers deduplicate by it. */
  id: string
  aggregateType: string
  aggregateId: string
  type: string
  /** The Kafka key. */
  key: string
  /** JSON text, published as stored. */
  payload: string
  /** The Kafka record's timestamp (table.field.event.timestamp). */
  createdAt: Date
}

export interface StoredPost {
  id: number
  authorId: string
  title: string
  content: string
  createdAt: Date
}

/** The outbox row of a stored post: all of the post, keyed by its author so one author's posts keep their order. */
export function postCreatedEvent (post: StoredPost, eventId: string): OutboxEvent {
  // Built field by field, in this order: the payload text is what both relays publish byte for byte.
  const payload: PostCreatedPayload = {
    id: post.id,
    authorId: post.authorId,
    title: post.title,
    content: post.content,
    createdAt: post.createdAt.toISOString()
  }
  return {
    id: eventId,
    aggregateType: POST_AGGREGATE,
    aggregateId: String(post.id),
    type: POST_CREATED,
    key: post.authorId,
    payload: JSON.stringify(payload),
    createdAt: post.createdAt
  }
}
