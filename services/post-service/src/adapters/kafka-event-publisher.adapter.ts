import { OUTBOX_HEADERS, outboxTopic } from '@ripple/contracts'
import type { OutboxEvent } from '@ripple/contracts'
import type { KafkaProducer } from '@ripple/kit'
import type { EventPublisher } from '../ports/outbox-repository.port.ts'

/**
 * Publishes outbox events record for record as connectors/outbox-connector.json has Debezium's
 * EventRouter do it, so a consumer cannot tell the relays apart: topic `<prefix><aggregatetype>`
 * (route.topic.replacement), key the event_key column as plain text (StringConverter), value the
 * payload text as stored (StringConverter), headers `id` and `eventType`
 * (table.fields.additional.placement), timestamp created_at (table.field.event.timestamp).
 */
export function createKafkaEventPublisher (producer: KafkaProducer, topicPrefix: string): EventPublisher {
  return {
    async publish (events: OutboxEvent[]) {
      // One send for the batch, which the kit's idempotent producer keeps in order per partition.
      await producer.send(events.map(e => ({
        topic: outboxTopic(e.aggregateType, topicPrefix),
        key: e.key,
        value: e.payload,
        headers: { [OUTBOX_HEADERS.id]: e.id, [OUTBOX_HEADERS.eventType]: e.type },
        timestamp: BigInt(e.createdAt.getTime())
      })))
    }
  }
}
