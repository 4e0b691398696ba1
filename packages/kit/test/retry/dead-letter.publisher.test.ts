import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidInputError, RippleError } from '../../src/errors/ripple.error.ts'
import type { KafkaProducer, OutgoingMessage } from '../../src/kafka/kafka.producer.ts'
import type { ConsumedMessage } from '../../src/kafka/kafka.types.ts'
import { createDeadLetterPublisher, deadLetterHeaders } from '../../src/retry/dead-letter.publisher.ts'

const message: ConsumedMessage = { topic: 'cdc.users', partition: 2, offset: 41n, timestamp: 0n, key: Buffer.from('{"id":1}'), value: Buffer.from('garbage'), headers: new Map([['trace', Buffer.from('t-1')]]) }

describe('dead letters', () => {
  it('says why and where the message came from', () => {
    const headers = deadLetterHeaders(message, new InvalidInputError('value', 'value is not JSON'), 1)
    assert.equal(headers['x-dlq-reason'], 'value is not JSON')
    assert.equal(headers['x-dlq-error-code'], 'INVALID_INPUT')
    assert.equal(headers['x-dlq-error-field'], 'value')
    assert.equal(headers['x-dlq-original-topic'], 'cdc.users')
    assert.equal(headers['x-dlq-original-partition'], '2')
    assert.equal(headers['x-dlq-original-offset'], '41')
    assert.equal(headers['x-dlq-attempts'], '1')
  })

  it('cuts a long reason to 1000 characters, and says what a thrown non-error was', () => {
    assert.equal(deadLetterHeaders(message, new Error('x'.repeat(5000)), 1)['x-dlq-reason'], 'x'.repeat(1000))
    const thrown = deadLetterHeaders(message, 'just a string', 1)
    assert.equal(thrown['x-dlq-reason'], 'just a string')
    assert.equal(thrown['x-dlq-error-code'], 'UNKNOWN')
    assert.equal(thrown['x-dlq-error-field'], undefined)
    assert.ok(!Number.isNaN(Date.parse(thrown['x-dlq-failed-at'] ?? '')))
  })

  it('names unclassified errors by their class', () => {
    assert.equal(deadLetterHeaders(message, new TypeError('x is undefined'), 6)['x-dlq-error-code'], 'TypeError')
    assert.equal(deadLetterHeaders(message, new RippleError('SMTP_REJECTED', 'no'), 1)['x-dlq-error-code'], 'SMTP_REJECTED')
  })

  it('publishes to <topic>.dlq with the same key, value and original headers', async () => {
    const sent: OutgoingMessage[] = []
    const producer: KafkaProducer = {
      send: async m => { sent.push(...(Array.isArray(m) ? m : [m])) },
      sendJson: async () => undefined,
      failure: () => undefined,
      close: async () => undefined
    }
    await createDeadLetterPublisher(producer).publish(message, new Error('boom'), 3)
    assert.equal(sent.length, 1)
    const [parked] = sent
    assert.equal(parked?.topic, 'cdc.users.dlq')
    assert.deepEqual(parked?.key, message.key)
    assert.deepEqual(parked?.value, message.value)
    assert.deepEqual(parked?.headers?.trace, Buffer.from('t-1'))
    assert.equal(parked?.headers?.['x-dlq-reason'], 'boom')
    assert.equal(parked?.headers?.['x-dlq-attempts'], '3')
    assert.equal(parked?.headers?.['x-dlq-consumer-group'], undefined)
    assert.ok(!Object.hasOwn(parked?.headers ?? {}, 'x-dlq-consumer-group'), 'no group header at all, not one without a value')
  })

  it('names the consumer group that parked it, when one is given', async () => {
    const sent: OutgoingMessage[] = []
    const producer: KafkaProducer = { send: async m => { sent.push(...(Array.isArray(m) ? m : [m])) }, sendJson: async () => undefined, failure: () => undefined, close: async () => undefined }
    await createDeadLetterPublisher(producer, 'notification-service').publish(message, new Error('boom'), 1)
    assert.equal(sent[0]?.headers?.['x-dlq-consumer-group'], 'notification-service')
  })
})
