import type { KafkaProducer } from '@ripple/kit'
import type { CargaPublisher } from '../ports/carga-publisher.port.ts'

/** carga_topic's record, keyed by the load's id so every version of one id stays on one partition, in order. */
export function createKafkaCargaPublisher (producer: KafkaProducer, topic: string): CargaPublisher {
  return {
    publish: event => producer.sendJson(topic, event.id, { id: event.id, valor: event.valor, requestId: event.requestId, acceptedAt: event.acceptedAt })
  }
}
