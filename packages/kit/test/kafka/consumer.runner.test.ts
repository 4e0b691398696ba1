import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay, setImmediate as yieldToLoop } from 'node:timers/promises'
import { InvalidInputError, RippleError } from '../../src/errors/ripple.error.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { createMetrics } from '../../src/metrics/metrics.ts'
import { runConsumer } from '../../src/kafka/consumer.runner.ts'
import type { ConsumerRunner, ConsumerRunnerOptions } from '../../src/kafka/consumer.runner.ts'
import { createProducer } from '../../src/kafka/kafka.producer.ts'
import type { KafkaProducer } from '../../src/kafka/kafka.producer.ts'
import type { ConsumedMessage, MessageHandler } from '../../src/kafka/kafka.types.ts'
import { createDeadLetterPublisher } from '../../src/retry/dead-letter.publisher.ts'
import { Admin, Consumer } from '@platformatic/kafka'
import { eventually, groupCaughtUp, readTopic, stack, unique } from '@ripple/testing'

const brokers = stack.kafkaBrokers

const logger = createLogger('consumer-runner-test', process.env.LOG_LEVEL ?? 'silent')
const retry = { minTimeout: 10, maxTimeout: 50, factor: 2 }
const text = (m: ConsumedMessage) => m.value?.toString() ?? null

/** The group's committed offset of each partition of the topic (-1: none yet). */
async function committedOffsets (groupId: string, topic: string): Promise<bigint[]> {
  const reader = new Consumer({ clientId: 'test-committed', bootstrapBrokers: brokers, sasl: stack.kafkaSasl, groupId })
  try {
    const ends = (await reader.listOffsets({ topics: [topic] })).get(topic) ?? []
    return (await reader.listCommittedOffsets({ topics: [{ topic, partitions: ends.map((_, i) => i) }] })).get(topic) ?? []
  } finally {
    await reader.close()
  }
}

describe('runConsumer (real Kafka)', () => {
  let producer: KafkaProducer
  const runners: ConsumerRunner[] = []

  before(() => { producer = createProducer({ brokers, sasl: stack.kafkaSasl, clientId: 'consumer-runner-test' }) })
  after(async () => {
    await Promise.all(runners.map(r => r.stop()))
    await producer.close()
  })

  async function start (topic: string, groupId: string, handler: MessageHandler, extra: Partial<ConsumerRunnerOptions> = {}) {
    const runner = await runConsumer({ brokers, sasl: stack.kafkaSasl, groupId, topics: [topic], handler, logger, metrics: createMetrics('test'), dlq: createDeadLetterPublisher(producer), retry, ...extra })
    runners.push(runner)
    return runner
  }

  it('commits only after the handler succeeded: nothing is committed while it runs, a retried message takes effect once', async () => {
    const topic = unique('test.kit.retry.')
    const groupId = unique('test-kit-retry-')
    const effects: string[] = []
    let failuresLeft = 1
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    let started!: () => void
    const running = new Promise<void>(resolve => { started = resolve })
    const handler: MessageHandler = async m => {
      if (text(m) === 'first' && failuresLeft-- > 0) throw new RippleError('FLAKY', 'transient', { canRetry: true })
      if (text(m) === 'first') {
        started()
        await gate
      }
      effects.push(text(m) ?? 'tombstone')
    }
    await producer.send({ topic, key: 'k', value: 'first', partition: 0 })
    const first = await start(topic, groupId, handler)
    await running
    // The handler holds 'first' (offset 0): the group must not have committed past it yet.
    for (let i = 0; i < 3; i++) {
      assert.ok(((await committedOffsets(groupId, topic))[0] ?? -1n) <= 0n, 'no commit past a message still being handled')
    }
    release()
    await eventually(async () => assert.equal((await committedOffsets(groupId, topic))[0], 1n, 'committed once the handler succeeded'))
    assert.deepEqual(effects, ['first'])
    await first.stop()

    // A new member of the same group starts after the committed offset: 'first' is not redelivered.
    await producer.send({ topic, key: 'k', value: 'second', partition: 0 })
    await start(topic, groupId, handler)
    await eventually(() => assert.deepEqual(effects, ['first', 'second']))
  })

  it('parks a poison message in <topic>.dlq with the reason and carries on with the next', async () => {
    const topic = unique('test.kit.poison.')
    const handled: string[] = []
    await producer.send([{ topic, key: 'k', value: 'poison' }, { topic, key: 'k', value: 'good' }])
    await start(topic, unique('test-kit-poison-'), async m => {
      if (text(m) === 'poison') throw new InvalidInputError('value', 'cannot read poison')
      handled.push(text(m) ?? '')
    })
    await eventually(() => assert.deepEqual(handled, ['good']))
    const [parked] = await readTopic(`${topic}.dlq`, records => records.length >= 1)
    assert.equal(parked?.key, 'k')
    assert.equal(parked?.value, 'poison')
    assert.equal(parked?.headers['x-dlq-reason'], 'cannot read poison')
    assert.equal(parked?.headers['x-dlq-error-code'], 'INVALID_INPUT')
    assert.equal(parked?.headers['x-dlq-original-topic'], topic)
    assert.equal(parked?.headers['x-dlq-attempts'], '1')
  })

  it('keeps a partition blocked on an outage without dead-lettering it, unhealthy past stallAfterMs with the error, healthy once it clears', async () => {
    const topic = unique('test.kit.outage.')
    const groupId = unique('test-kit-outage-')
    const metrics = createMetrics('test')
    const handled: string[] = []
    let down = true
    let attempts = 0
    await producer.send([{ topic, key: 'k', value: 'during-outage', partition: 0 }, { topic, key: 'k', value: 'after', partition: 0 }])
    const runner = await start(topic, groupId, async m => {
      if (text(m) === 'during-outage' && down) {
        attempts++
        throw new RippleError('SMTP_UNAVAILABLE', 'smtp down', { canRetry: true })
      }
      handled.push(text(m) ?? '')
    }, { stallAfterMs: 1500, metrics })
    assert.equal(runner.health().healthy, true, 'healthy while the stall is younger than stallAfterMs')
    const health = await eventually(() => {
      const state = runner.health()
      assert.equal(state.healthy, false)
      return state
    }, 30_000)
    assert.match(health.reason ?? '', new RegExp(`partition ${topic}:0: no commit for \\d+ s, retrying: smtp down`))
    assert.ok(attempts > 1, `retried (${attempts} attempts)`)
    assert.deepEqual(handled, [], 'the key waits behind the blocked message')
    // The gauge is refreshed every second, so it may trail health() by that much.
    await eventually(async () => {
      const stalled = (await metrics.consumerStalled.get()).values.find(v => v.labels.topic === topic && v.labels.partition === 0)
      assert.ok((stalled?.value ?? 0) >= 1.5, `stall gauge counts seconds (${stalled?.value})`)
    })

    down = false
    await eventually(() => assert.deepEqual(handled, ['during-outage', 'after']))
    await eventually(() => assert.deepEqual(runner.health(), { healthy: true }))
    assert.equal(await groupCaughtUp(groupId, topic), true)
    await eventually(async () => assert.equal((await metrics.consumerStalled.get()).values.find(v => v.labels.topic === topic && v.labels.partition === 0)?.value, 0, 'caught up: 0'))
    assert.equal((await metrics.messages.get()).values.some(v => v.labels.outcome === 'dead-lettered'), false, 'an outage is never dead-lettered')
  })

  it('counts dead letters and measures the depth of <topic>.dlq', async () => {
    const topic = unique('test.kit.dlq-metrics.')
    const metrics = createMetrics('test')
    await producer.send([{ topic, key: 'a', value: 'poison' }, { topic, key: 'b', value: 'poison' }, { topic, key: 'c', value: 'good' }])
    await start(topic, unique('test-kit-dlq-metrics-'), async m => {
      if (text(m) === 'poison') throw new InvalidInputError('value', 'cannot read poison')
    }, { metrics, lagIntervalMs: 500 })
    await eventually(async () => assert.equal((await metrics.deadLetters.get()).values.find(v => v.labels.topic === topic)?.value, 2))
    await eventually(async () => assert.equal((await metrics.deadLetterDepth.get()).values.find(v => v.labels.topic === topic)?.value, 2))
  })

  it('rejoins and commits again after the group threw it out', async () => {
    const topic = unique('test.kit.rejoin.')
    const groupId = unique('test-kit-rejoin-')
    const handled: string[] = []
    await producer.send({ topic, key: 'k', value: 'before', partition: 0 })
    const runner = await start(topic, groupId, async m => { handled.push(text(m) ?? '') }, { sessionTimeoutMs: 6000 })
    await eventually(() => assert.deepEqual(handled, ['before']))
    await eventually(async () => assert.equal(await groupCaughtUp(groupId, topic), true))

    const admin = new Admin({ clientId: 'test-kit-rejoin', bootstrapBrokers: brokers, sasl: stack.kafkaSasl })
    try {
      const before = (await admin.describeGroups({ groups: [groupId] })).get(groupId)
      const [memberId] = [...(before?.members.keys() ?? [])]
      assert.ok(memberId, 'the runner is a member')
      await admin.removeMembersFromConsumerGroup({ groupId, members: [{ memberId, reason: 'test' }] })
      await producer.send({ topic, key: 'k', value: 'after', partition: 0 })
      await eventually(() => assert.deepEqual(handled, ['before', 'after']))
      await eventually(async () => {
        const group = (await admin.describeGroups({ groups: [groupId] })).get(groupId)
        assert.equal(group?.state, 'Stable')
        assert.equal(group?.members.size, 1)
        assert.ok(!group?.members.has(memberId), 'a new member id')
        assert.equal(await groupCaughtUp(groupId, topic), true)
      })
      assert.deepEqual(runner.health(), { healthy: true })
    } finally {
      await admin.close()
    }
  })

  it('keeps each key in order while partitions run concurrently', async () => {
    const topic = unique('test.kit.order.')
    const keys = ['a', 'b', 'c', 'd', 'e', 'f']
    await producer.send(Array.from({ length: 20 }, (_, i) => keys.map(key => ({ topic, key, value: `${key}:${i}` }))).flat())
    const seen = new Map<string, number[]>()
    // Handlers of the three partitions overlap: the first ones wait (a bounded while) until a
    // second is running. Were partitions handled one at a time, no two would ever be active.
    let active = 0
    let mostActive = 0
    const overlapDeadline = Date.now() + 10_000
    await start(topic, unique('test-kit-order-'), async m => {
      active++
      mostActive = Math.max(mostActive, active)
      try {
        const [key, n] = (text(m) ?? '').split(':')
        seen.set(key ?? '', [...(seen.get(key ?? '') ?? []), Number(n)])
        while (mostActive < 2 && Date.now() < overlapDeadline) await delay(10)
        await yieldToLoop()
      } finally {
        active--
      }
    })
    await eventually(() => assert.equal([...seen.values()].flat().length, keys.length * 20))
    assert.ok(mostActive >= 2, `handlers of different partitions ran at the same time (at most ${mostActive} at once)`)
    for (const key of keys) assert.deepEqual(seen.get(key), Array.from({ length: 20 }, (_, i) => i), `order of key ${key}`)
  })

  it('stop() lets the in-flight message finish and commits it; the rest goes to the next member', async () => {
    const topic = unique('test.kit.stop.')
    const groupId = unique('test-kit-stop-')
    const events: string[] = []
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    let started!: () => void
    const inFlight = new Promise<void>(resolve => { started = resolve })
    await producer.send([{ topic, key: 'k', value: 'slow' }, { topic, key: 'k', value: 'next' }])
    const first = await start(topic, groupId, async m => {
      if (text(m) === 'slow') {
        started()
        await gate
      }
      events.push(`first handled ${text(m)}`)
    })
    await inFlight
    const stopped = first.stop().then(() => events.push('first stopped'))
    for (let i = 0; i < 20; i++) await yieldToLoop()
    assert.equal(events.length, 0, 'stop() waits for the message in flight')
    release()
    await stopped
    assert.deepEqual(events, ['first handled slow', 'first stopped'])

    await start(topic, groupId, async m => { events.push(`second handled ${text(m)}`) })
    await eventually(() => assert.deepEqual(events, ['first handled slow', 'first stopped', 'second handled next']))
  })

  it('with concurrencyPerPartition, keeps each key in order while keys overtake each other', async () => {
    const topic = unique('test.kit.concurrent-order.')
    const keys = ['a', 'b', 'c', 'd', 'e', 'f']
    // One partition, so any overlap comes from the concurrency within it.
    await producer.send(Array.from({ length: 20 }, (_, i) => keys.map(key => ({ topic, key, value: `${key}:${i}`, partition: 0 }))).flat())
    const seen = new Map<string, number[]>()
    let running = 0
    let overlap = 0
    await start(topic, unique('test-kit-concurrent-order-'), async m => {
      running++
      overlap = Math.max(overlap, running)
      const [key, n] = (text(m) ?? '').split(':')
      seen.set(key ?? '', [...(seen.get(key ?? '') ?? []), Number(n)])
      for (let i = 0; i < 5; i++) await yieldToLoop()
      running--
    }, { concurrencyPerPartition: 8 })
    await eventually(() => assert.equal([...seen.values()].flat().length, keys.length * 20))
    for (const key of keys) assert.deepEqual(seen.get(key), Array.from({ length: 20 }, (_, i) => i), `order of key ${key}`)
    assert.ok(overlap > 1, `messages of one partition overlapped (at most ${overlap} at once)`)
    assert.ok(overlap <= 8, `never more than the limit (${overlap})`)
  })

  it('with concurrencyPerPartition, a key\'s backlog waits outside the slots, so other keys still get them', async () => {
    const topic = unique('test.kit.concurrent-backlog.')
    // Key a's first message holds until key b's message is handled; a's next two wait behind it.
    // Were they to wait inside slots, a's three would fill both slots and b would never start.
    await producer.send([...['a:1', 'a:2', 'a:3'].map(value => ({ topic, key: 'a', value, partition: 0 })), { topic, key: 'b', value: 'b:1', partition: 0 }])
    const handled: string[] = []
    let bDone!: () => void
    const b = new Promise<void>(resolve => { bDone = resolve })
    await start(topic, unique('test-kit-concurrent-backlog-'), async m => {
      if (text(m) === 'a:1') await b
      if (text(m) === 'b:1') bDone()
      handled.push(text(m) ?? '')
    }, { concurrencyPerPartition: 2 })
    await eventually(() => assert.deepEqual(handled, ['b:1', 'a:1', 'a:2', 'a:3']), 30_000, 20)
  })

  it('with concurrencyPerPartition, commits only past messages whose predecessors are done too', async () => {
    const topic = unique('test.kit.concurrent-commit.')
    const groupId = unique('test-kit-concurrent-commit-')
    const events: string[] = []
    let slowStarted!: () => void
    const slow = new Promise<void>(resolve => { slowStarted = resolve })
    await producer.send(['slow', 'a', 'b', 'c'].map(value => ({ topic, key: value, value, partition: 0 })))
    const first = await start(topic, groupId, async (m, signal) => {
      if (text(m) === 'slow') {
        slowStarted()
        // Holds until the member stops, which aborts it: it is never done.
        await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true }))
      }
      events.push(`first ${text(m)}`)
    }, { concurrencyPerPartition: 4 })
    await slow
    await eventually(() => assert.deepEqual(events, ['first a', 'first b', 'first c']), 30_000, 20)
    await first.stop()

    // a, b and c were done, but 'slow' before them was not: the next member gets all four again.
    await start(topic, groupId, async m => { events.push(`second ${text(m)}`) }, { concurrencyPerPartition: 4 })
    await eventually(() => assert.deepEqual(events.filter(e => e.startsWith('second')).sort(), ['second a', 'second b', 'second c', 'second slow']))
  })

  it('with commitIntervalMs, holds commits back until the interval or stop(), which commits what was handled', async () => {
    const topic = unique('test.kit.commit-interval.')
    const groupId = unique('test-kit-commit-interval-')
    const handled: string[] = []
    await producer.send(['a', 'b', 'c'].map(value => ({ topic, key: value, value })))
    const runner = await start(topic, groupId, async m => { handled.push(text(m) ?? '') }, { commitIntervalMs: 600_000 })
    await eventually(() => assert.equal(handled.length, 3))
    assert.equal(await groupCaughtUp(groupId, topic), false, 'nothing committed before the interval')
    await runner.stop()
    assert.equal(await groupCaughtUp(groupId, topic), true, 'stop() committed all three')
  })
})
