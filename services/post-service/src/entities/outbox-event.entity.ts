export const POST_AGGREGATE = 'post'
export const POST_CREATED = 'PostCreated'

/**
 * An event as the outbox table holds it, in the shape Debezium's outbox EventRouter reads:
 * the aggregate type picks the topic, the key keeps one author's events in order, the payload
 * is published verbatim.
 */
export interface OutboxEvent {
  /** The event's own id (a UUID): consumers deduplicate by it. */
  id: string
  aggregateType: string
  aggregateId: string
  type: string
  /** The Kafka key: the author, so all of one author's posts land on one partition, in order. */
  key: string
  /** JSON text. */
  payload: string
  createdAt: Date
}

/** What subscribers learn of a new post: all of it, so none has to call back for the rest. */
export interface PostCreatedPayload {
  id: number
  authorId: string
  title: string
  content: string
  createdAt: string
}
