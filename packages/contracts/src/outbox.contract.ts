// The outbox's records (seed 004): headers and the PostCreated payload on outbox.event.post.
// Both relays publish the same record (connectors/outbox-connector.json for Debezium's
// EventRouter, post-service's polling relay): topic `outbox.event.<aggregatetype>`, key the
// author, value the payload text as stored, headers the event id and type.
import { InvalidInputError } from '@ripple/kit'
import type { ConsumedMessage } from '@ripple/kit'
import { z } from 'zod'
import { decodeValue, encodeValue } from './topic.codec.ts'
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

/**
 * The outbox row of a stored post: all of the post, keyed by its author so one author's posts keep
 * their order. The payload is encoded through the topic's contract here, when the row is written:
 * that write is the outbox's send (both relays publish the text verbatim, and the EventRouter
 * cannot check it), so a post its consumers would refuse fails its own transaction instead.
 */
export function postCreatedEvent (post: StoredPost, eventId: string): OutboxEvent {
  // Built field by field, in this order: the payload text is what both relays publish byte for byte.
  const payload: z.input<typeof postCreatedPayloadSchema> = {
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
    payload: encodeValue(postEventsTopic, payload),
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

/** A record as Kafka carries it: what post-service's polling relay sends for an outbox row. */
export interface OutboxRecord {
  topic: string
  key: string
  value: string
  headers: Record<string, string>
  timestamp: bigint
}

/**
 * An outbox row as the record connectors/outbox-connector.json has Debezium's EventRouter publish,
 * so a consumer cannot tell the relays apart: topic `<prefix><aggregatetype>`
 * (route.topic.replacement), key the event_key column as plain text (StringConverter), value the
 * payload text as stored (StringConverter), headers `id` and `eventType`
 * (table.fields.additional.placement), timestamp created_at (table.field.event.timestamp).
 * The payload was checked when the row was written (postCreatedEvent); a relay that refused a row
 * here would stop behind it for good, which the EventRouter does not do either.
 */
export function outboxRecord (event: OutboxEvent, topicPrefix = OUTBOX_TOPIC_PREFIX): OutboxRecord {
  return {
    topic: outboxTopic(event.aggregateType, topicPrefix),
    key: event.key,
    value: event.payload,
    headers: { [OUTBOX_HEADERS.id]: event.id, [OUTBOX_HEADERS.eventType]: event.type },
    timestamp: BigInt(event.createdAt.getTime())
  }
}

export type DecodedOutboxRecord =
  | { kind: 'post-created', eventId: string, post: PostCreatedPayload }
  | { kind: 'ignored', type: string }

function header (message: Pick<ConsumedMessage, 'headers'>, name: string): string {
  const value = message.headers.get(name)?.toString('utf8')
  if (!value) throw new InvalidInputError(`headers.${name}`, `the outbox event has no ${name} header`)
  return value
}

/**
 * The one decoder of the outbox topic: event id and type from the headers, the post from the JSON
 * value, the author from the key. Types other than PostCreated are for other consumers and are
 * skipped, whatever their value; anything malformed is an InvalidInputError naming the field,
 * which the kit parks in the dead-letter topic.
 */
export function decodeOutboxRecord (message: Pick<ConsumedMessage, 'key' | 'value' | 'headers'>): DecodedOutboxRecord {
  const type = header(message, OUTBOX_HEADERS.eventType)
  if (type !== POST_CREATED) return { kind: 'ignored', type }
  const eventId = header(message, OUTBOX_HEADERS.id)
  const post = decodeValue(postEventsTopic, message)
  // The key is what kept this author's events in order; one naming someone else was routed wrong.
  const key = message.key?.toString('utf8')
  if (key !== post.authorId) throw new InvalidInputError('key', `the key ${JSON.stringify(key ?? null)} is not the post's author ${JSON.stringify(post.authorId)}`)
  return { kind: 'post-created', eventId, post }
}
