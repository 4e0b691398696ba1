import assert from 'node:assert/strict'
import { afterEach, describe, it, mock } from 'node:test'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { ProduceAcks, compatibilityPartitioner, stringSerializer } from '@platformatic/kafka'
import { RippleError } from '../../src/errors/ripple.error.ts'
import { accumulator, createProducer } from '../../src/kafka/kafka.producer.ts'
import type { OutgoingMessage, ProducerOptions } from '../../src/kafka/kafka.producer.ts'

/** What the producer hands @platformatic/kafka, through a stand-in of its Producer. */
interface Sent { topic: string, key?: Buffer, value?: Buffer, headers?: Map<string, Buffer>, partition?: number, timestamp?: bigint }

function fakeProducer (options: Partial<ProducerOptions> = {}) {
  const requests: Sent[][] = []
  const client = { options: {} as Record<string, unknown>, failWith: undefined as Error | undefined, closed: false }
  const producer = createProducer({
    brokers: ['b:9092'],
    clientId: 'svc',
    createClient: clientOptions => {
      client.options = clientOptions as unknown as Record<string, unknown>
      return {
        send: async ({ messages }: { messages: Sent[] }) => {
          if (client.failWith) throw client.failWith
          requests.push(messages)
          return {}
        },
        close: async () => { client.closed = true }
      } as never
    },
    ...options
  })
  return { producer, requests, client }
}

async function settle (): Promise<void> {
  for (let i = 0; i < 10; i++) await yieldToLoop()
}

afterEach(() => { mock.timers.reset() })

describe('createProducer (fake client)', () => {
  it('asks for acks from every in-sync replica, idempotence, Java partitioning and bounded retries', () => {
    const { client } = fakeProducer()
    const o = client.options
    assert.equal(o.clientId, 'svc')
    assert.deepEqual(o.bootstrapBrokers, ['b:9092'])
    assert.equal(o.idempotent, true)
    assert.equal(o.acks, ProduceAcks.ALL)
    assert.equal(o.autocreateTopics, true)
    assert.equal(o.partitioner, compatibilityPartitioner)
    assert.equal(o.retries, 12)
    assert.deepEqual(o.serializers, { headerKey: stringSerializer })
    assert.equal('sasl' in o, false)
    const delay = o.retryDelay as (client: unknown, operation: string, attempt: number) => number
    assert.deepEqual([1, 2, 5, 6, 12].map(attempt => delay(undefined, 'produce', attempt)), [200, 400, 3200, 5000, 5000])
  })

  it('logs in when given a login', () => {
    const sasl = { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' } as const
    assert.deepEqual(fakeProducer({ sasl }).client.options.sasl, sasl)
  })

  it('sends text as UTF-8, a null key as none, a null value as a tombstone, headers as a map', async () => {
    const { producer, requests } = fakeProducer()
    await producer.send({ topic: 't', key: 'k', value: 'v', headers: { h: 'x', b: Buffer.from('y') }, partition: 2, timestamp: 5n })
    await producer.send([{ topic: 't', key: null, value: null }, { topic: 't', value: Buffer.from('raw') }])
    const [first, second] = requests
    assert.equal(first![0]!.key?.toString(), 'k')
    assert.equal(first![0]!.value?.toString(), 'v')
    assert.deepEqual([...first![0]!.headers!].map(([k, v]) => [k, v.toString()]), [['h', 'x'], ['b', 'y']])
    assert.equal(first![0]!.partition, 2)
    assert.equal(first![0]!.timestamp, 5n)
    assert.equal(second!.length, 2)
    assert.equal(second![0]!.key, undefined)
    assert.equal(second![0]!.value, undefined)
    assert.equal(second![0]!.headers, undefined)
    assert.equal(second![1]!.value?.toString(), 'raw')
  })

  it('sends JSON with sendJson', async () => {
    const { producer, requests } = fakeProducer()
    await producer.sendJson('t', 'k', { a: 1 }, { h: 'x' })
    assert.equal(requests[0]![0]!.value?.toString(), '{"a":1}')
    assert.equal(requests[0]![0]!.key?.toString(), 'k')
    assert.equal(requests[0]![0]!.headers?.get('h')?.toString(), 'x')
  })

  it('reports a failed write until a write succeeds, and for a minute at most', async () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 })
    const { producer, client } = fakeProducer()
    assert.equal(producer.failure(), undefined)
    client.failWith = new Error('not enough replicas')
    await assert.rejects(producer.sendJson('t', null, 1), /not enough replicas/)
    assert.equal(producer.failure(), 'not enough replicas')
    mock.timers.tick(59_999)
    assert.equal(producer.failure(), 'not enough replicas')
    mock.timers.tick(1)
    assert.equal(producer.failure(), undefined)
    await assert.rejects(producer.sendJson('t', null, 1))
    client.failWith = undefined
    await producer.sendJson('t', null, 2)
    assert.equal(producer.failure(), undefined)
  })

  it('reports a failure that is not an Error by its text', async () => {
    const { producer, client } = fakeProducer()
    client.failWith = 'broker said no' as unknown as Error
    await assert.rejects(producer.sendJson('t', null, 1))
    assert.equal(producer.failure(), 'broker said no')
  })

  it('reports a send that timed out', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 })
    const { producer } = fakeProducer({ deliveryTimeoutMs: 1000, createClient: () => ({ send: () => new Promise(() => {}), close: async () => {} }) as never })
    const sending = assert.rejects(producer.sendJson('t', null, 1), /within 1 s/)
    mock.timers.tick(1000)
    await sending
    assert.match(producer.failure() ?? '', /^no acknowledgement from Kafka within 1 s/)
  })

  it('closes the client', async () => {
    const { producer, client } = fakeProducer()
    await producer.close()
    assert.equal(client.closed, true)
  })

  it('sends at once by default, each send its own request', async () => {
    const { producer, requests } = fakeProducer()
    await Promise.all([producer.sendJson('t', 'a', 1), producer.sendJson('t', 'b', 2)])
    // The second waits for the first request, then goes alone.
    assert.deepEqual(requests.map(r => r.length), [1, 1])
  })

  it('gathers sends within lingerMs into one request', async () => {
    const { producer, requests } = fakeProducer({ lingerMs: 20 })
    await Promise.all([1, 2, 3].map(i => producer.sendJson('t', 'k', i)))
    assert.deepEqual(requests.map(r => r.map(m => m.value?.toString())), [['1', '2', '3']])
  })
})

describe('accumulator', () => {
  const msg = (value: string, key?: string): OutgoingMessage => ({ topic: 't', key, value })
  const defaults = { lingerMs: 0, maxMessages: 100, maxBytes: 1_000_000, deliveryTimeoutMs: 60_000, onTimeout: () => {} }

  function recorder () {
    const requests: string[][] = []
    const gates: PromiseWithResolvers<void>[] = []
    const sendNow = async (list: OutgoingMessage[]) => {
      requests.push(list.map(m => String(m.value)))
      const gate = Promise.withResolvers<void>()
      gates.push(gate)
      await gate.promise
    }
    return { requests, gates, sendNow }
  }

  it('keeps one request out at a time and puts everything that arrived meanwhile in the next', async () => {
    const { requests, gates, sendNow } = recorder()
    const send = accumulator(sendNow, defaults)
    const first = send(msg('a'))
    await settle()
    const rest = [send(msg('b')), send([msg('c'), msg('d')])]
    await settle()
    assert.deepEqual(requests, [['a']])
    gates[0]!.resolve()
    await first
    await settle()
    assert.deepEqual(requests, [['a'], ['b', 'c', 'd']])
    gates[1]!.resolve()
    await Promise.all(rest)
  })

  it('waits lingerMs for company, unless the batch is already full', async () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    const { requests, gates, sendNow } = recorder()
    const send = accumulator(sendNow, { ...defaults, lingerMs: 50, maxMessages: 3 })
    const sends = [send(msg('a')), send(msg('b'))]
    await settle()
    assert.deepEqual(requests, [])
    mock.timers.tick(49)
    await settle()
    assert.deepEqual(requests, [])
    mock.timers.tick(1)
    await settle()
    assert.deepEqual(requests, [['a', 'b']])
    gates[0]!.resolve()
    await Promise.all(sends)
    const full = [send(msg('c')), send(msg('d')), send(msg('e'))]
    await settle()
    assert.deepEqual(requests[1], ['c', 'd', 'e'], 'a full batch goes without waiting')
    gates[1]!.resolve()
    await Promise.all(full)
  })

  it('sends a batch past maxBytes at once', async () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    const { requests, gates, sendNow } = recorder()
    const send = accumulator(sendNow, { ...defaults, lingerMs: 50, maxBytes: 64 + 3 })
    const sending = send(msg('abc'))
    await settle()
    assert.deepEqual(requests, [['abc']])
    gates[0]!.resolve()
    await sending
  })

  it('splits what is queued by maxMessages and maxBytes, never splitting one send', async () => {
    const { requests, gates, sendNow } = recorder()
    const send = accumulator(sendNow, { ...defaults, maxMessages: 3, maxBytes: 4 * 65 })
    const first = send(msg('0'))
    await settle()
    const sends = [send([msg('a'), msg('b')]), send([msg('c'), msg('d')]), send(msg('e')), send([msg('f'), msg('g'), msg('h'), msg('i')])]
    gates[0]!.resolve()
    await first
    for (let i = 1; i <= 4; i++) {
      await settle()
      gates[i]?.resolve()
    }
    await Promise.all(sends)
    assert.deepEqual(requests, [['0'], ['a', 'b'], ['c', 'd', 'e'], ['f', 'g', 'h', 'i']])
  })

  it('counts key and value bytes against maxBytes', async () => {
    const { requests, gates, sendNow } = recorder()
    const send = accumulator(sendNow, { ...defaults, maxBytes: 2 * 64 + 10 })
    const first = send(msg('0'))
    await settle()
    const sends = [send(msg('12345', 'k')), send(msg('1234', 'k')), send({ topic: 't', key: null, value: null })]
    gates[0]!.resolve()
    await first
    for (let i = 1; i <= 3; i++) {
      await settle()
      gates[i]?.resolve()
    }
    await Promise.all(sends)
    assert.deepEqual(requests, [['0'], ['12345'], ['1234', 'null']])
  })

  it('fails every send of a failed request with its error, and goes on with the next', async () => {
    let calls = 0
    const send = accumulator(async () => { if (++calls === 1) throw new Error('leader gone') }, defaults)
    await assert.rejects(send(msg('a')), /leader gone/)
    await send(msg('b'))
  })

  it('fails a send not acknowledged within deliveryTimeoutMs as KAFKA_UNAVAILABLE; one still queued is never sent', async () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    const reasons: string[] = []
    const { requests, gates, sendNow } = recorder()
    const send = accumulator(sendNow, { ...defaults, deliveryTimeoutMs: 2000, onTimeout: reason => { reasons.push(reason) } })
    const out = send(msg('a'))
    await settle()
    mock.timers.tick(1000)
    const queued = send(msg('b'))
    await settle()
    mock.timers.tick(1000)
    const error = await out.then(() => undefined, (e: unknown) => e)
    assert.ok(error instanceof RippleError)
    assert.equal(error.code, 'KAFKA_UNAVAILABLE')
    assert.equal(error.canRetry, true)
    assert.equal(error.message, 'no acknowledgement from Kafka within 2 s (partitions without a leader, or fewer in-sync replicas than min.insync.replicas)')
    mock.timers.tick(1000)
    await assert.rejects(queued, /; not sent$/)
    assert.equal(reasons.length, 2)
    gates[0]!.resolve()
    await settle()
    assert.deepEqual(requests, [['a']], 'the timed-out send left the queue')
    // What is queued after it is counted afresh: a full batch still goes at once.
    const next = send(msg('c'))
    await settle()
    assert.deepEqual(requests, [['a'], ['c']])
    gates[1]!.resolve()
    await next
  })

  it('does not fail nor report a send that was acknowledged in time', async () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    const reasons: string[] = []
    const send = accumulator(async () => {}, { ...defaults, deliveryTimeoutMs: 1000, onTimeout: reason => { reasons.push(reason) } })
    await send(msg('a'))
    await assert.rejects(accumulator(async () => { throw new Error('no') }, { ...defaults, deliveryTimeoutMs: 1000, onTimeout: reason => { reasons.push(reason) } })(msg('b')))
    mock.timers.tick(5000)
    await settle()
    assert.deepEqual(reasons, [])
  })

  it('counts a batch of exactly maxBytes as fitting', async () => {
    const { requests, gates, sendNow } = recorder()
    const send = accumulator(sendNow, { ...defaults, maxBytes: 2 * 65 })
    const first = send(msg('0'))
    await settle()
    const sends = [send(msg('a')), send(msg('b'))]
    gates[0]!.resolve()
    await first
    await settle()
    gates[1]?.resolve()
    await Promise.all(sends)
    assert.deepEqual(requests, [['0'], ['a', 'b']])
  })

  it('forgets the bytes of what it sent or dropped: a later small send still waits lingerMs', async () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    const { requests, gates, sendNow } = recorder()
    const send = accumulator(sendNow, { ...defaults, lingerMs: 50, maxBytes: 3 * 65, deliveryTimeoutMs: 1000 })
    const out = send([msg('a'), msg('b')])
    mock.timers.tick(50)
    await settle()
    const dropped = assert.rejects(send([msg('c'), msg('d')]), /not sent/)
    mock.timers.tick(1000)
    await dropped
    await assert.rejects(out)
    gates[0]!.resolve()
    await settle()
    const later = send(msg('e'))
    await settle()
    assert.deepEqual(requests, [['a', 'b']], 'the queue is empty again: one small send lingers')
    mock.timers.tick(50)
    await settle()
    assert.deepEqual(requests, [['a', 'b'], ['e']])
    gates[1]!.resolve()
    await later
  })
})
