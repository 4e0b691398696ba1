import { InvalidInputError } from '../errors/ripple.error.ts'
import type { KafkaProducer } from '../kafka/kafka.producer.ts'
import type { ConsumedMessage } from '../kafka/kafka.types.ts'
import { errorCode } from './error-code.ts'

export interface DeadLetterPublisher {
  publish (message: ConsumedMessage, error: unknown, attempts: number): Promise<void>
}

export const deadLetterTopic = (topic: string): string => `${topic}.dlq`

const MAX_REASON_LENGTH = 1000

/** Why and from where: enough to find the original record and decide whether to replay it. */
export function deadLetterHeaders (message: ConsumedMessage, error: unknown, attempts: number): Record<string, string> {
  const reason = error instanceof Error ? error.message : String(error)
  return {
    'x-dlq-reason': reason.slice(0, MAX_REASON_LENGTH),
    'x-dlq-error-code': errorCode(error),
    ...(error instanceof InvalidInputError ? { 'x-dlq-error-field': error.field } : {}),
    'x-dlq-original-topic': message.topic,
    'x-dlq-original-partition': String(message.partition),
    'x-dlq-original-offset': String(message.offset),
    'x-dlq-attempts': String(attempts),
    'x-dlq-failed-at': new Date().toISOString()
  }
}

/**
 * Parks a message on `<topic>.dlq` with the same key (so a replay keeps per-key order), the same
 * value and original headers, plus x-dlq-* headers saying why. Several groups may read one topic
 * (notification-service and the token-revocation consumers read the user changes): each parks its
 * own copy, and `x-dlq-consumer-group` says whose it is.
 */
export function createDeadLetterPublisher (producer: KafkaProducer, groupId?: string): DeadLetterPublisher {
  return {
    publish: (message, error, attempts) => producer.send({
      topic: deadLetterTopic(message.topic),
      key: message.key,
      value: message.value,
      headers: { ...Object.fromEntries(message.headers), ...deadLetterHeaders(message, error, attempts), ...(groupId === undefined ? {} : { 'x-dlq-consumer-group': groupId }) }
    })
  }
}
