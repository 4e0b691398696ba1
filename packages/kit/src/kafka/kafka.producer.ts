import { Producer, ProduceAcks, compatibilityPartitioner, stringSerializer } from '@platformatic/kafka'
import type { Payload } from './kafka.types.ts'

export interface OutgoingMessage {
  topic: string
  key?: Payload | null
  /** null sends a tombstone. */
  value: Payload | null
  headers?: Record<string, Payload>
  partition?: number
}

export interface KafkaProducer {
  send (messages: OutgoingMessage | OutgoingMessage[]): Promise<void>
  sendJson (topic: string, key: string | null, value: unknown, headers?: Record<string, Payload>): Promise<void>
  close (): Promise<void>
}

export interface ProducerOptions {
  brokers: string[]
  clientId: string
}

const toBuffer = (payload: Payload): Buffer => typeof payload === 'string' ? Buffer.from(payload) : payload

/**
 * The one way Ripple code produces: acks=all and idempotence, so an acknowledged record is on
 * every in-sync replica and a retried send never writes it twice.
 */
export function createProducer (options: ProducerOptions): KafkaProducer {
  const producer = new Producer<Buffer, Buffer, string, Buffer>({
    clientId: options.clientId,
    bootstrapBrokers: options.brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    autocreateTopics: true,
    // Kafka's Java partitioning (murmur2 & 0x7fffffff): a key lands where Debezium and Connect put it.
    partitioner: compatibilityPartitioner,
    serializers: { headerKey: stringSerializer }
  })

  async function send (messages: OutgoingMessage | OutgoingMessage[]): Promise<void> {
    const list = Array.isArray(messages) ? messages : [messages]
    await producer.send({
      messages: list.map(m => ({
        topic: m.topic,
        key: m.key == null ? undefined : toBuffer(m.key),
        value: m.value === null ? undefined : toBuffer(m.value),
        headers: m.headers ? new Map(Object.entries(m.headers).map(([k, v]) => [k, toBuffer(v)])) : undefined,
        partition: m.partition
      }))
    })
  }

  return {
    send,
    sendJson: (topic, key, value, headers) => send({ topic, key, value: JSON.stringify(value), headers }),
    close: () => producer.close()
  }
}
