import { encodeCargaRecord } from '@ripple/contracts'
import type { KafkaProducer } from '@ripple/kit'
import type { CargaPublisher } from '../ports/carga-publisher.port.ts'

/** carga_topic's record, keyed by the load's id so every version of one id stays on one partition, in order; checked against the contract before it is sent. */
export function createKafkaCargaPublisher (producer: KafkaProducer, topic: string): CargaPublisher {
  return {
    publish: async event => {
      await producer.send({ topic, key: event.id, value: encodeCargaRecord({ id: event.id, valor: event.valor, requestId: event.requestId, acceptedAt: event.acceptedAt }) })
    }
  }
}
