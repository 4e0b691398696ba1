import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { producerSendsChannel } from '@platformatic/kafka'
import { accumulator, createProducer } from '../../src/kafka/kafka.producer.ts'
import type { OutgoingMessage } from '../../src/kafka/kafka.producer.ts'
import { countRecords, deleteTopics, readTopic, stack, unique } from '@ripple/testing'

describe('createProducer (real Kafka)', () => {
  const topics: string[] = []
  after(() => deleteTopics(topics))

  /** The produce calls the client makes for one producer, by the number of records each carried. */
  function countSends (clientId: string) {
    const sizes: number[] = []
    const onStart = (event: { client?: { clientId?: string }, options?: { messages?: unknown[] } }) => {
      if (event.client?.clientId === clientId) sizes.push(event.options?.messages?.length ?? 0)
    }
    producerSendsChannel.start.subscribe(onStart as (message: unknown) => void)
    return { sizes, stop: () => producerSendsChannel.start.unsubscribe(onStart as (message: unknown) => void) }
  }

  it('gathers concurrent sends into a few produce requests; each send resolves with its record on the topic, in order per key', async () => {
    const topic = unique('test.kit.linger.')
    topics.push(topic)
    const clientId = unique('linger-')
    const producer = createProducer({ brokers: stack.kafkaBrokers, sasl: stack.kafkaSasl, clientId, lingerMs: 50, maxBatchMessages: 1000 })
    const sends = countSends(clientId)
    try {
      await producer.sendJson(topic, 'warm-up', 0)
      sends.sizes.length = 0
      await Promise.all(Array.from({ length: 300 }, (_, i) => producer.sendJson(topic, `k${i % 3}`, i)))
      assert.ok(sends.sizes.length <= 3, `300 sends went out as ${sends.sizes.length} produce calls (${sends.sizes.join(', ')})`)
      assert.equal(sends.sizes.reduce((a, b) => a + b, 0), 300)
    } finally {
      sends.stop()
      await producer.close()
    }
    const records = await readTopic(topic, rs => rs.length >= 301)
    assert.equal(await countRecords(topic), 301)
    for (const key of ['k0', 'k1', 'k2']) {
      const values = records.filter(r => r.key === key).map(r => Number(r.value))
      assert.deepEqual(values, [...values].sort((a, b) => a - b), `order of ${key}`)
      assert.equal(values.length, 100)
    }
  })

  it('without linger, one produce request at a time: sends made while one is out go together in the next', async () => {
    const topic = unique('test.kit.serial.')
    topics.push(topic)
    const clientId = unique('serial-')
    const producer = createProducer({ brokers: stack.kafkaBrokers, sasl: stack.kafkaSasl, clientId })
    const sends = countSends(clientId)
    try {
      await producer.sendJson(topic, 'warm-up', 0)
      sends.sizes.length = 0
      await Promise.all(Array.from({ length: 200 }, (_, i) => producer.sendJson(topic, `k${i % 4}`, i)))
      // The first goes at once; the other 199 wait for it, then share one request.
      assert.deepEqual(sends.sizes, [1, 199])
    } finally {
      sends.stop()
      await producer.close()
    }
  })

  it('splits a batch at maxBatchMessages', async () => {
    const topic = unique('test.kit.linger-split.')
    topics.push(topic)
    const clientId = unique('linger-split-')
    const producer = createProducer({ brokers: stack.kafkaBrokers, sasl: stack.kafkaSasl, clientId, lingerMs: 1000, maxBatchMessages: 10 })
    const sends = countSends(clientId)
    try {
      await Promise.all(Array.from({ length: 25 }, (_, i) => producer.sendJson(topic, 'k', i)))
      assert.deepEqual(sends.sizes, [10, 10, 5])
    } finally {
      sends.stop()
      await producer.close()
    }
  })

  it('rejects every send of a batch that Kafka refused', async () => {
    const producer = createProducer({ brokers: stack.kafkaBrokers, sasl: stack.kafkaSasl, clientId: unique('linger-fail-'), lingerMs: 20 })
    try {
      // A topic name Kafka never accepts.
      const results = await Promise.allSettled([producer.sendJson('bad topic name!', 'k', 1), producer.sendJson('bad topic name!', 'k', 2)])
      assert.deepEqual(results.map(r => r.status), ['rejected', 'rejected'])
    } finally {
      await producer.close()
    }
  })
})

describe('createProducer when Kafka does not answer', () => {
  it('fails a send after deliveryTimeoutMs with KAFKA_UNAVAILABLE (may pass: canRetry), and failure() says why until a send succeeds', async () => {
    // Nothing listens on port 1: every attempt is refused, and the library would retry for a while.
    const producer = createProducer({ brokers: ['127.0.0.1:1'], sasl: stack.kafkaSasl, clientId: unique('no-kafka-'), deliveryTimeoutMs: 300 })
    try {
      assert.equal(producer.failure(), undefined)
      await assert.rejects(producer.sendJson('any-topic', 'k', 1), (err: unknown) => {
        const e = err as { code?: string, canRetry?: boolean }
        return e.code === 'KAFKA_UNAVAILABLE' && e.canRetry === true
      })
      assert.match(producer.failure() ?? '', /no acknowledgement from Kafka within 0.3 s/)
    } finally {
      await producer.close().catch(() => undefined)
    }
  })
})

describe('the producer\'s accumulator', () => {
  const options = { lingerMs: 0, maxMessages: 500, maxBytes: 900 * 1024, deliveryTimeoutMs: 100, onTimeout: () => {} }
  const message = (value: string): OutgoingMessage => ({ topic: 't', key: 'k', value })

  it('drops a send that timed out while waiting behind a request, so it is never written; the request out may still land', async () => {
    const requests: string[][] = []
    let release: () => void = () => {}
    const send = accumulator(async list => {
      requests.push(list.map(m => String(m.value)))
      if (requests.length === 1) await new Promise<void>(resolve => { release = resolve })
    }, options)
    const first = send(message('out'))
    const second = send(message('queued'))
    await assert.rejects(first, /within 0.1 s/)
    await assert.rejects(second, /not sent/)
    release()
    await new Promise(resolve => setTimeout(resolve, 20))
    const third = send(message('later'))
    await third
    assert.deepEqual(requests, [['out'], ['later']])
  })
})
