// The outbox's records (seed 004): headers and the PostCreated payload on outbox.event.post.
// Both relays publish the same record (connectors/outbox-connector.json for Debezium's
// EventRouter, post-service's polling relay): topic `outbox.event.<aggregatetype>`, key the
// author, value the payload text as stored, headers the event id and type.
import { z } from 'zod'
import { defineTopic } from './topic.contract.ts'

/** Where each relay puts the event's id (consumers deduplicate by it) and type (table.fields.additional.placement). */
export const OUTBOX_HEADERS = { id: 'id', eventType: 'eventType' } as const

export const POST_AGGREGATE = 'post'
export const POST_CREATED = 'PostCreated'

/** The EventRouter's route.topic.replacement before `${routedByValue}`, and the polling relay's. */
export const OUTBOX_TOPIC_PREFIX = 'outbox.event.'
export const OUTBOX_CONNECTOR = 'outbox-connector'

/** The topic the EventRouter routes an aggregate type to (route.topic.replacement). */
export const outboxTopic = (aggregateType: string, prefix = OUTBOX_TOPIC_PREFIX): string => `${prefix}${aggregateType}`

export const POST_EVENTS_TOPIC = outboxTopic(POST_AGGREGATE)

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

export const outboxHeadersSchema = z.object({
  [OUTBOX_HEADERS.id]: z.uuid().describe('the event\'s id: consumers deduplicate by it'),
  [OUTBOX_HEADERS.eventType]: z.string().min(1).describe('the event\'s type, e.g. PostCreated')
})

export const postEventsTopic = defineTopic({
  name: POST_EVENTS_TOPIC,
  pattern: `${OUTBOX_TOPIC_PREFIX}{aggregateType}`,
  summary: 'post-service\'s outbox events of aggregate type post (PostCreated), published by Debezium\'s EventRouter or post-service\'s polling relay.',
  key: { schema: z.string().min(1), encoding: 'string', description: 'the author\'s id, so one author\'s posts keep their order' },
  value: { schema: postCreatedPayloadSchema, encoding: 'json', description: 'the payload text as the outbox row stored it' },
  headers: outboxHeadersSchema,
  partitions: 3,
  cleanupPolicy: 'delete',
  deadLetter: `${POST_EVENTS_TOPIC}.dlq`,
  producers: [{ connector: OUTBOX_CONNECTOR }, { service: 'post-service' }],
  consumers: [{ group: 'subscribe-service', by: { service: 'subscribe-service' } }]
})
