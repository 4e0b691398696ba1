import { outboxRecord } from '@ripple/contracts'
import type { KafkaProducer } from '@ripple/kit'
import type { EventPublisher } from '../ports/outbox-repository.port.ts'

/** Publishes outbox events record for record as Debezium's EventRouter does (the contract's outboxRecord). */
export function createKafkaEventPublisher (producer: KafkaProducer, topicPrefix: string): EventPublisher {
  return {
    async publish (events) {
      // One send for the batch, which the kit's idempotent producer keeps in order per partition.
      await producer.send(events.map(e => outboxRecord(e, topicPrefix)))
    }
  }
}
