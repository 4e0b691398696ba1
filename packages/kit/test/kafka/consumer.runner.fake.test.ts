import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { afterEach, describe, it, mock } from 'node:test'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { UserError } from '@platformatic/kafka'
import type { ConsumerOptions } from '@platformatic/kafka'
import { InvalidInputError } from '../../src/errors/ripple.error.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { createMetrics } from '../../src/metrics/metrics.ts'
import type { Metrics } from '../../src/metrics/metrics.ts'
import { runConsumer } from '../../src/kafka/consumer.runner.ts'
import type { ConsumerRunner, ConsumerRunnerOptions } from '../../src/kafka/consumer.runner.ts'
import type { ConsumedMessage } from '../../src/kafka/kafka.types.ts'

/**
 * The runner against an in-memory stand-in of @platformatic/kafka's Consumer and its stream: what
 * it fetches is what a test pushes, and every commit it makes is recorded.
 */

type Offsets = { topic: string, partition: number, offset: bigint }[]

class FakeStream extends EventEmitter {
  paused = false
  closed = false
  pause (): this { this.paused = true; return this }
  resume (): this { this.paused = false; return this }
  isPaused (): boolean { return this.paused }
  async close (): Promise<void> {
    this.closed = true
    // As a Node stream, 'close' comes on a later turn.
    process.nextTick(() => this.emit('close'))
  }
}

class FakeClient extends EventEmitter {
  assignments: { topic: string, partitions: number[] }[] | null = null
  active = true
  closed = false
  readonly stream = new FakeStream()
  readonly commits: Offsets[] = []
  consumeOptions: Record<string, unknown> | undefined
  consumeError: Error | undefined
  /** Fails the next commits with this error, once each. */
  commitFailures: Error[] = []
  /** Holds every commit until released. */
  commitGate: Promise<void> | undefined
  lagMonitoring: { topics: string[], interval: number } | undefined
  lagStopped = false
  dlqTopics = new Set<string>()
  offsetsOf: (topic: string, timestamp?: bigint) => bigint[] = () => []
  metadataError: Error | undefined

  readonly options: ConsumerOptions<Buffer, Buffer, string, Buffer>
  constructor (options: ConsumerOptions<Buffer, Buffer, string, Buffer>) {
    super()
    this.options = options
  }

  isActive (): boolean { return this.active }
  async consume (options: Record<string, unknown>): Promise<FakeStream> {
    this.consumeOptions = options
    if (this.consumeError) throw this.consumeError
    return this.stream
  }

  async commit ({ offsets }: { offsets: Offsets }): Promise<void> {
    await this.commitGate
    const failure = this.commitFailures.shift()
    if (failure) throw failure
    this.commits.push(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })))
  }

  async close (): Promise<void> { this.closed = true; this.active = false }
  startLagMonitoring (options: { topics: string[] }, interval: number): void { this.lagMonitoring = { topics: options.topics, interval } }
  stopLagMonitoring (): void { this.lagStopped = true }
  metadataRequests: { topics: string[], autocreateTopics?: boolean }[] = []
  async metadata (request: { topics: string[], autocreateTopics?: boolean }): Promise<{ topics: Map<string, unknown> }> {
    const { topics } = request
    this.metadataRequests.push(request)
    if (this.metadataError) throw this.metadataError
    return { topics: new Map(topics.filter(t => this.dlqTopics.has(t)).map(t => [t, {}])) }
  }

  async listOffsets ({ topics, timestamp }: { topics: string[], timestamp?: bigint }): Promise<Map<string, bigint[]>> {
    return new Map(topics.map(t => [t, this.offsetsOf(t, timestamp)]))
  }
}

function record (partition: number, offset: number, key?: string, topic = 't'): unknown {
  return {
    topic, partition, offset: BigInt(offset), timestamp: 7n, leaderEpoch: 3,
    key: key === undefined ? undefined : Buffer.from(key),
    value: Buffer.from(`${partition}@${offset}`),
    headers: new Map([['h', Buffer.from('v')]])
  }
}

const logger = createLogger('consumer-runner-fake-test', 'silent')
const text = (m: ConsumedMessage) => m.value?.toString() ?? ''

/** Waits for a condition without timers or Date, which some tests mock. */
async function until (condition: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = performance.now() + ms
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await yieldToLoop()
  }
}

/** Lets every queued callback and promise chain run (no timers). */
async function settle (): Promise<void> {
  for (let i = 0; i < 20; i++) await yieldToLoop()
}

async function metric (metrics: Metrics, name: 'messages' | 'deadLetters' | 'consumerLag' | 'consumerStalled' | 'deadLetterDepth'): Promise<Record<string, number>> {
  const { values } = await metrics[name].get()
  return Object.fromEntries(values.map(v => [Object.values(v.labels).join('/'), v.value]))
}

interface Harness {
  runner: ConsumerRunner
  clients: FakeClient[]
  client: () => FakeClient
  handled: string[]
  published: { message: ConsumedMessage, error: unknown, attempts: number }[]
  push: (...records: unknown[]) => void
}

const runners: ConsumerRunner[] = []
afterEach(async () => {
  mock.timers.reset()
  await Promise.all(runners.splice(0).map(r => r.stop()))
})

async function start (options: Partial<ConsumerRunnerOptions> = {}, prepare: (client: FakeClient, index: number) => void = () => {}): Promise<Harness> {
  const clients: FakeClient[] = []
  const handled: string[] = []
  const published: Harness['published'] = []
  const runner = await runConsumer({
    brokers: ['b:9092'],
    groupId: 'g',
    topics: ['t'],
    logger,
    retry: { minTimeout: 1, maxTimeout: 2, factor: 1 },
    dlq: { publish: async (message, error, attempts) => { published.push({ message, error, attempts }) } },
    handler: async m => { handled.push(text(m)) },
    createClient: clientOptions => {
      const client = new FakeClient(clientOptions)
      prepare(client, clients.length)
      clients.push(client)
      return client as never
    },
    ...options
  })
  runners.push(runner)
  const client = () => clients.at(-1)!
  return { runner, clients, client, handled, published, push: (...records) => { for (const r of records) client().stream.emit('data', r) } }
}

describe('runConsumer (fake Kafka client)', () => {
  it('configures the client for manual commits from the committed offset, earliest first', async () => {
    const { client } = await start()
    const o = client().options as unknown as Record<string, unknown>
    assert.equal(o.clientId, 'g')
    assert.equal(o.groupId, 'g')
    assert.deepEqual(o.bootstrapBrokers, ['b:9092'])
    assert.equal(o.autocommit, false)
    assert.equal(o.autocreateTopics, true)
    assert.equal(o.maxWaitTime, 500)
    assert.equal('sasl' in o, false)
    assert.equal('minBytes' in o, false)
    assert.equal('sessionTimeout' in o, false)
    assert.deepEqual(client().consumeOptions, { topics: ['t'], mode: 'committed', fallbackMode: 'earliest', autocommit: false })
  })

  it('passes the login, fetch sizes and session settings it is given', async () => {
    const sasl = { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' } as const
    const { client } = await start({ sasl, clientId: 'c', fetchMinBytes: 4096, fetchMaxWaitMs: 50, sessionTimeoutMs: 10_000, fallbackMode: 'latest' })
    const o = client().options as unknown as Record<string, unknown>
    assert.equal(o.clientId, 'c')
    assert.deepEqual(o.sasl, sasl)
    assert.equal(o.minBytes, 4096)
    assert.equal(o.maxWaitTime, 50)
    assert.equal(o.sessionTimeout, 10_000)
    assert.equal(o.heartbeatInterval, 2500)
    assert.equal(client().consumeOptions?.fallbackMode, 'latest')
  })

  it('keeps the heartbeat at 500 ms at least', async () => {
    const { client } = await start({ sessionTimeoutMs: 1000 })
    assert.equal((client().options as unknown as Record<string, unknown>).heartbeatInterval, 500)
  })

  it('hands the handler the record as fetched, and commits past it only once it is handled', async () => {
    const gate = Promise.withResolvers<void>()
    const seen: ConsumedMessage[] = []
    const { push, client } = await start({ handler: async m => { seen.push(m); await gate.promise } })
    push(record(0, 5, 'k'))
    await until(() => seen.length === 1, 'the handler')
    assert.equal(seen[0]!.topic, 't')
    assert.equal(seen[0]!.partition, 0)
    assert.equal(seen[0]!.offset, 5n)
    assert.equal(seen[0]!.timestamp, 7n)
    assert.equal(seen[0]!.key?.toString(), 'k')
    assert.equal(seen[0]!.value?.toString(), '0@5')
    assert.equal(seen[0]!.headers.get('h')?.toString(), 'v')
    await settle()
    assert.deepEqual(client().commits, [], 'nothing is committed while the message is handled')
    gate.resolve()
    await until(() => client().commits.length === 1, 'the commit')
    assert.deepEqual(client().commits[0], [{ topic: 't', partition: 0, offset: 6n }])
  })

  it('gives a keyless or valueless record null for them', async () => {
    const seen: ConsumedMessage[] = []
    const { push, client } = await start({ handler: async m => { seen.push(m) } })
    push({ ...(record(0, 0) as object), value: undefined })
    await until(() => client().commits.length === 1, 'the commit')
    assert.equal(seen[0]!.key, null)
    assert.equal(seen[0]!.value, null)
  })

  it('handles one partition strictly in order, one message at a time', async () => {
    let inFlight = 0
    let most = 0
    const order: string[] = []
    const { push, client } = await start({
      handler: async m => {
        most = Math.max(most, ++inFlight)
        await new Promise(resolve => setTimeout(resolve, 2))
        order.push(text(m))
        inFlight--
      }
    })
    push(record(0, 0, 'a'), record(0, 1, 'b'), record(0, 2, 'c'), record(0, 3))
    await until(() => client().commits.flat().some(c => c.offset === 4n), 'the last commit')
    assert.deepEqual(order, ['0@0', '0@1', '0@2', '0@3'])
    assert.equal(most, 1)
  })

  it('runs partitions side by side: one blocked partition holds back neither the others nor their commits', async () => {
    const blocked = Promise.withResolvers<void>()
    const { push, client, handled } = await start({ handler: async m => { if (m.partition === 0) await blocked.promise; handled.push(text(m)) } })
    push(record(0, 0), record(1, 0), record(1, 1))
    await until(() => client().commits.flat().some(c => c.partition === 1 && c.offset === 2n), 'partition 1 committed')
    assert.deepEqual(handled, ['1@0', '1@1'])
    assert.equal(client().commits.flat().some(c => c.partition === 0), false)
    blocked.resolve()
    await until(() => client().commits.flat().some(c => c.partition === 0 && c.offset === 1n), 'partition 0 committed')
  })

  it('with concurrencyPerPartition keeps each key in order while other keys overtake, and commits only a done prefix', async () => {
    const gates = new Map<string, PromiseWithResolvers<void>>()
    const gate = (name: string) => { if (!gates.has(name)) gates.set(name, Promise.withResolvers()); return gates.get(name)! }
    const started: string[] = []
    const { push, client } = await start({
      concurrencyPerPartition: 2,
      handler: async m => { started.push(text(m)); await gate(text(m)).promise }
    })
    push(record(0, 0, 'a'), record(0, 1, 'a'), record(0, 2, 'b'))
    await until(() => started.length === 2, 'two messages under way')
    assert.deepEqual(started, ['0@0', '0@2'], 'the second message of key a waits for the first; key b overtakes it')
    gate('0@2').resolve()
    await settle()
    assert.deepEqual(client().commits, [], 'offset 2 is done but offset 0 is not: nothing may be committed')
    gate('0@0').resolve()
    await until(() => started.length === 3, 'key a goes on')
    assert.equal(started[2], '0@1')
    await until(() => client().commits.length === 1, 'the commit of offset 0')
    assert.deepEqual(client().commits[0], [{ topic: 't', partition: 0, offset: 1n }])
    gate('0@1').resolve()
    await until(() => client().commits.length === 2, 'the commit past offset 2')
    assert.deepEqual(client().commits[1], [{ topic: 't', partition: 0, offset: 3n }])
  })

  it('with concurrencyPerPartition runs keyless records side by side', async () => {
    const gate = Promise.withResolvers<void>()
    const started: string[] = []
    const { push } = await start({ concurrencyPerPartition: 3, handler: async m => { started.push(text(m)); await gate.promise } })
    push(record(0, 0), record(0, 1), record(0, 2))
    await until(() => started.length === 3, 'three keyless records at once')
    gate.resolve()
  })

  it('keeps committing in order through a long partition (its done prefix is trimmed as it goes)', async () => {
    const { push, client, handled } = await start({ commitIntervalMs: 5 })
    for (let offset = 0; offset < 3000; offset++) push(record(0, offset))
    await until(() => client().commits.flat().some(c => c.offset === 3000n), 'the last commit', 5000)
    assert.equal(handled.length, 3000)
    const offsets = client().commits.flat().map(c => c.offset)
    assert.deepEqual(offsets, [...offsets].sort((a, b) => Number(a - b)))
  })

  it('never runs a record twice when the library rewinds to an older offset', async () => {
    const { push, client, handled } = await start()
    push(record(0, 0), record(0, 1))
    await until(() => client().commits.flat().some(c => c.offset === 2n), 'commit')
    push(record(0, 1), record(0, 2))
    await until(() => client().commits.flat().some(c => c.offset === 3n), 'commit')
    assert.deepEqual(handled, ['0@0', '0@1', '0@2'])
  })

  it('with commitIntervalMs commits once per interval, the last handled offset of each partition', async () => {
    const { push, client, handled } = await start({ commitIntervalMs: 30 })
    push(record(0, 0), record(0, 1), record(1, 0), record(0, 2))
    await until(() => handled.length === 4, 'handled')
    assert.deepEqual(client().commits, [], 'nothing before the interval')
    await until(() => client().commits.length > 0, 'the commit')
    await settle()
    assert.equal(client().commits.length, 1)
    assert.deepEqual(client().commits[0]!.sort((a, b) => a.partition - b.partition), [{ topic: 't', partition: 0, offset: 3n }, { topic: 't', partition: 1, offset: 1n }])
  })

  it('retries a failed commit with the offsets it carried', async () => {
    const { push, client } = await start({}, c => { c.commitFailures.push(new Error('rebalance in progress')) })
    push(record(0, 0))
    await until(() => client().commits.length === 1, 'the retried commit')
    assert.deepEqual(client().commits[0], [{ topic: 't', partition: 0, offset: 1n }])
  })

  it('sends one commit at a time; what is handled meanwhile goes in the next', async () => {
    const release = Promise.withResolvers<void>()
    const { push, client, handled } = await start({}, c => { c.commitGate = release.promise })
    push(record(0, 0))
    await until(() => handled.length === 1, 'first')
    push(record(0, 1), record(0, 2))
    await until(() => handled.length === 3, 'the rest')
    release.resolve()
    await until(() => client().commits.length === 2, 'two commits')
    await settle()
    assert.deepEqual(client().commits, [[{ topic: 't', partition: 0, offset: 1n }], [{ topic: 't', partition: 0, offset: 3n }]])
  })

  it('holds commits while the client is out of its group and sends them when it joins again', async () => {
    const { push, client, handled } = await start()
    client().active = false
    push(record(0, 0))
    await until(() => handled.length === 1, 'handled')
    await settle()
    assert.deepEqual(client().commits, [])
    client().active = true
    client().emit('consumer:group:join')
    // At once, not at the watchdog's next round.
    await until(() => client().commits.length === 1, 'the commit after the join', 300)
  })

  it('drops the work of a partition assigned to another member, and does not handle its queued records', async () => {
    const gate = Promise.withResolvers<void>()
    const { push, client, handled } = await start({ handler: async m => { await gate.promise; handled.push(text(m)) } })
    client().assignments = [{ topic: 't', partitions: [0, 1] }]
    push(record(0, 0), record(0, 1), record(1, 0))
    await settle()
    client().assignments = [{ topic: 't', partitions: [1] }]
    client().emit('consumer:group:join')
    gate.resolve()
    await until(() => client().commits.flat().some(c => c.partition === 1), 'partition 1 committed')
    await settle()
    assert.deepEqual(handled, ['0@0', '1@0'], 'the record at work finishes; the queued one of the revoked partition is not run')
    assert.equal(client().commits.flat().some(c => c.partition === 0), false, 'a revoked partition is not committed')
    // Assigned back, it starts over from the committed offset: the dropped records run again.
    client().assignments = [{ topic: 't', partitions: [0, 1] }]
    push(record(0, 0), record(0, 1))
    await until(() => client().commits.flat().some(c => c.partition === 0 && c.offset === 2n), 'partition 0 committed')
  })

  it('skips a record of a partition no longer assigned when its turn comes', async () => {
    const { push, client, handled } = await start()
    client().assignments = [{ topic: 't', partitions: [1] }]
    push(record(0, 0), record(1, 0))
    await until(() => client().commits.length === 1, 'commit')
    assert.deepEqual(handled, ['1@0'])
  })

  it('counts messages by outcome, dead-letters what can never succeed and commits past it', async () => {
    const metrics = createMetrics('fake-consumer')
    const { push, client, published } = await start({
      metrics,
      handler: async m => { if (m.offset === 1n) throw new InvalidInputError('value', 'bad record') }
    })
    push(record(0, 0), record(0, 1), record(0, 2))
    await until(() => client().commits.flat().some(c => c.offset === 3n), 'commit')
    assert.equal(published.length, 1)
    assert.equal(published[0]!.message.offset, 1n)
    assert.equal(published[0]!.attempts, 1)
    assert.deepEqual(await metric(metrics, 'messages'), { 't/processed': 2, 't/dead-lettered': 1 })
    assert.deepEqual(await metric(metrics, 'deadLetters'), { t: 1 })
    const { values } = await metrics.messageDuration.get()
    assert.equal(values.find(v => v.metricName === 'ripple_message_duration_seconds_count')?.value, 3)
  })

  it('pauses fetching when maxBuffered messages wait, and resumes below half', async () => {
    const gate = Promise.withResolvers<void>()
    const { push, client, handled } = await start({ maxBuffered: 4, handler: async m => { await gate.promise; handled.push(text(m)) } })
    push(record(0, 0), record(0, 1), record(0, 2))
    await settle()
    assert.equal(client().stream.paused, false)
    push(record(0, 3))
    assert.equal(client().stream.paused, true)
    gate.resolve()
    await until(() => !client().stream.paused, 'resumed')
    assert.ok(handled.length >= 3, `resumed only below half: ${handled.length} handled`)
  })

  it('replaces a client whose stream closed, keeping the work in hand and what it already ran', async () => {
    const { push, clients, client, handled, runner } = await start()
    push(record(0, 0))
    await until(() => client().commits.length === 1, 'commit')
    clients[0]!.stream.emit('close')
    await until(() => clients.length === 2 && runner.isActive(), 'a new client')
    assert.equal(clients[0]!.lagStopped, true)
    await until(() => clients[0]!.closed, 'the old client closed')
    // The new client rewinds to the committed offset.
    push(record(0, 0), record(0, 1))
    await until(() => clients[1]!.commits.length === 1, 'commit through the new client')
    assert.deepEqual(handled, ['0@0', '0@1'])
    assert.deepEqual(clients[1]!.commits[0], [{ topic: 't', partition: 0, offset: 2n }])
  })

  it('ignores records still delivered by a replaced client', async () => {
    const { clients, handled, runner } = await start()
    const old = clients[0]!
    old.stream.emit('close')
    await until(() => clients.length === 2 && runner.isActive(), 'a new client')
    old.stream.emit('data', record(0, 0))
    await settle()
    assert.deepEqual(handled, [])
  })

  it('says it is rejoining while the new client joins, and retries a join that fails', async () => {
    mock.timers.enable({ apis: ['setTimeout'] })
    const { clients, runner } = await start({}, (c, i) => { if (i === 1) c.consumeError = new Error('brokers away') })
    clients[0]!.stream.emit('close')
    await until(() => clients.length >= 2, 'a join attempt')
    await settle()
    assert.equal(runner.isActive(), false)
    const health = runner.health()
    assert.equal(health.healthy, false)
    assert.match(health.reason ?? '', /rejoining its group with a new client \(its stream closed\)/)
    mock.timers.tick(1000)
    await until(() => clients.length === 3 && runner.isActive(), 'the retried join', 5000)
    assert.equal(clients[1]!.closed, true, 'the client that failed to join is closed')
    assert.deepEqual(runner.health(), { healthy: true })
  })

  it('stops for good when the new client cannot join because of a misuse, and tells onFatal', async () => {
    const fatal: unknown[] = []
    const { clients, runner } = await start({ onFatal: error => { fatal.push(error) } }, (c, i) => { if (i === 1) c.consumeError = new UserError('bad options') })
    clients[0]!.stream.emit('close')
    await until(() => fatal.length === 1, 'onFatal')
    assert.ok(fatal[0] instanceof UserError)
    assert.equal(clients.length, 2, 'a misuse is not retried')
    assert.deepEqual(runner.health(), { healthy: false, reason: 'the consumer is stopped' })
  })

  it('fails to start on a misuse, and retries a start the brokers refuse', async () => {
    await assert.rejects(start({}, c => { c.consumeError = new UserError('bad') }), UserError)
    mock.timers.enable({ apis: ['setTimeout'] })
    let attempts = 0
    const starting = start({}, (c, i) => { attempts++; if (i === 0) c.consumeError = new Error('no brokers') })
    await until(() => attempts === 1, 'the first attempt')
    await settle()
    mock.timers.tick(1000)
    const { clients, runner } = await starting
    assert.equal(clients.length, 2)
    assert.equal(clients[0]!.closed, true)
    assert.equal(runner.isActive(), true)
  })

  it('reports a failed fetch until a record arrives', async () => {
    const { client, runner, push } = await start()
    client().stream.emit('error', new Error('leader not available'))
    const health = runner.health()
    assert.equal(health.healthy, false)
    assert.match(health.reason ?? '', /^a fetch failed 0 s ago: leader not available$/)
    push(record(0, 0))
    assert.deepEqual(runner.health(), { healthy: true })
  })

  it('stops: no new record runs, the one at work finishes and is committed, the client closes', async () => {
    const gate = Promise.withResolvers<void>()
    const { push, client, handled, runner } = await start({ handler: async m => { await gate.promise; handled.push(text(m)) } })
    push(record(0, 0), record(0, 1))
    await settle()
    const stopping = runner.stop()
    assert.equal(runner.isActive(), false)
    assert.deepEqual(runner.health(), { healthy: false, reason: 'the consumer is stopped' })
    await settle()
    assert.equal(client().stream.paused, true)
    push(record(1, 0))
    gate.resolve()
    await stopping
    assert.deepEqual(handled, ['0@0'])
    assert.deepEqual(client().commits, [[{ topic: 't', partition: 0, offset: 1n }]])
    assert.equal(client().stream.closed, true)
    assert.equal(client().closed, true)
    assert.equal(runner.stop(), stopping, 'stop is idempotent')
  })

  it('stops without waiting for a commit past commitTimeoutMs', async () => {
    const never = new Promise<void>(() => {})
    const { push, client, handled, runner } = await start({ commitTimeoutMs: 50 }, c => { c.commitGate = never })
    push(record(0, 0))
    await until(() => handled.length === 1, 'handled')
    const started = Date.now()
    await runner.stop()
    assert.ok(Date.now() - started < 1000)
    assert.equal(client().closed, true)
  })

  it('sends commits queued by the interval when it stops', async () => {
    const { push, client, handled, runner } = await start({ commitIntervalMs: 60_000 })
    push(record(0, 0))
    await until(() => handled.length === 1, 'handled')
    await runner.stop()
    assert.deepEqual(client().commits, [[{ topic: 't', partition: 0, offset: 1n }]])
  })

  it('gives a stop during a retry one last attempt, and leaves a message that still fails uncommitted', async () => {
    let attempts = 0
    const { push, client, runner } = await start({ retry: { minTimeout: 10_000, maxTimeout: 10_000, factor: 1 }, handler: async () => { attempts++; throw new Error('database down') } })
    push(record(0, 0))
    await until(() => attempts === 1, 'the first attempt')
    await runner.stop()
    assert.equal(attempts, 2)
    assert.deepEqual(client().commits, [])
  })

  it('reports the consumer lag of its own partitions and drops those of other members', async () => {
    const metrics = createMetrics('fake-lag')
    const { client } = await start({ metrics, lagIntervalMs: 1234 })
    assert.deepEqual(client().lagMonitoring, { topics: ['t'], interval: 1234 })
    client().emit('consumer:lag', new Map([['t', [5n, 0n]]]))
    assert.deepEqual(await metric(metrics, 'consumerLag'), { 't/0': 5, 't/1': 0 })
    client().emit('consumer:lag', new Map([['t', [-1n, 2n]]]))
    assert.deepEqual(await metric(metrics, 'consumerLag'), { 't/1': 2 })
  })

  it('measures the dead-letter topic: 0 when it does not exist, else end minus start offsets', async () => {
    const metrics = createMetrics('fake-dlq-depth')
    const { client, runner } = await start({ metrics, topics: ['t', 'u'] }, c => {
      c.dlqTopics.add('u.dlq')
      c.offsetsOf = (_topic, timestamp) => timestamp === -2n ? [1n] : [4n, 2n]
    })
    await until(() => Object.keys((metrics.deadLetterDepth as unknown as { hashMap: object }).hashMap).length === 2, 'both topics measured')
    assert.deepEqual(await metric(metrics, 'deadLetterDepth'), { t: 0, u: 5 })
    assert.deepEqual(client().metadataRequests.slice(0, 2), [{ topics: ['t.dlq'], autocreateTopics: false }, { topics: ['u.dlq'], autocreateTopics: false }], 'measuring creates no topic')
    assert.equal(client().lagStopped, false)
    await runner.stop()
    assert.equal(client().lagStopped, true)
  })

  it('counts a dead-letter topic that the broker says does not exist as empty', async () => {
    const metrics = createMetrics('fake-dlq-unknown')
    await start({ metrics }, c => { c.metadataError = new Error('UNKNOWN_TOPIC_OR_PARTITION') })
    await until(() => Object.keys((metrics.deadLetterDepth as unknown as { hashMap: object }).hashMap).length === 1, 'measured')
    assert.deepEqual(await metric(metrics, 'deadLetterDepth'), { t: 0 })
  })

  it('leaves the depth unknown when measuring fails otherwise', async () => {
    const metrics = createMetrics('fake-dlq-failing')
    await start({ metrics }, c => { c.metadataError = new Error('connection refused') })
    await settle()
    assert.deepEqual(await metric(metrics, 'deadLetterDepth'), {})
  })
})

describe('runConsumer watchdog (fake clock)', () => {
  it('reports a partition with work and no commit for longer than stallAfterMs, with what it retries', async () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 })
    const metrics = createMetrics('fake-stall')
    const { push, runner } = await start({ metrics, stallAfterMs: 5000, handler: async () => { throw new Error('db down') } })
    push(record(0, 0))
    await settle()
    mock.timers.tick(5000)
    await settle()
    assert.deepEqual(runner.health(), { healthy: true }, 'not stalled at exactly stallAfterMs')
    assert.deepEqual(await metric(metrics, 'consumerStalled'), { 't/0': 5 })
    mock.timers.tick(1000)
    assert.deepEqual(runner.health(), { healthy: false, reason: 'partition t:0: no commit for 6 s, retrying: db down' })
  })

  it('counts a partition as caught up once everything fetched is committed', async () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 })
    const metrics = createMetrics('fake-caught-up')
    const gate = Promise.withResolvers<void>()
    const { push, client, runner } = await start({ metrics, stallAfterMs: 1000, handler: async m => { if (m.offset === 1n) await gate.promise } })
    push(record(0, 0), record(0, 1))
    await settle()
    assert.equal(client().commits.length, 1)
    mock.timers.tick(2000)
    assert.match(runner.health().reason ?? '', /^partition t:0: no commit for 2 s$/, 'work fetched before the commit is still waiting')
    gate.resolve()
    await settle()
    assert.deepEqual(runner.health(), { healthy: true })
    mock.timers.tick(1000)
    await settle()
    assert.deepEqual(await metric(metrics, 'consumerStalled'), { 't/0': 0 })
  })

  it('replaces a member out of its group for longer than rejoinAfterMs', async () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 })
    const { clients, runner } = await start({ sessionTimeoutMs: 10_000, rejoinAfterMs: 15_000 })
    clients[0]!.active = false
    mock.timers.tick(1000)
    assert.match(runner.health().reason ?? '', /^$/, 'a rebalance takes a moment')
    mock.timers.tick(10_000)
    assert.deepEqual(runner.health(), { healthy: false, reason: 'not in its group for 11 s' })
    mock.timers.tick(4000)
    await settle()
    assert.equal(clients.length, 1, 'not before rejoinAfterMs')
    mock.timers.tick(1000)
    await until(() => clients.length === 2, 'the new client')
  })

  it('counts a silent member that still looks active as out after a session', async () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 })
    const { clients, runner } = await start({ sessionTimeoutMs: 10_000 })
    mock.timers.tick(10_000)
    assert.deepEqual(runner.health(), { healthy: true })
    clients[0]!.emit('consumer:heartbeat:end')
    mock.timers.tick(10_000)
    assert.deepEqual(runner.health(), { healthy: true }, 'a heartbeat answered is contact')
    mock.timers.tick(1000)
    assert.deepEqual(runner.health(), { healthy: false, reason: 'not in its group for 11 s' })
    mock.timers.tick(20_000)
    await until(() => clients.length === 2, 'replaced after the session plus 20 s')
  })

  it('drops the stall gauge of a partition that went to another member', async () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 })
    const metrics = createMetrics('fake-stall-drop')
    const { push, client } = await start({ metrics })
    client().assignments = [{ topic: 't', partitions: [0, 1] }]
    push(record(0, 0), record(1, 0))
    await settle()
    mock.timers.tick(1000)
    assert.deepEqual(Object.keys(await metric(metrics, 'consumerStalled')).sort(), ['t/0', 't/1'])
    client().assignments = [{ topic: 't', partitions: [1] }]
    client().emit('consumer:group:join')
    assert.deepEqual(Object.keys(await metric(metrics, 'consumerStalled')), ['t/1'])
  })

  it('measures the dead-letter topics again every lagIntervalMs', async () => {
    mock.timers.enable({ apis: ['setInterval'] })
    const metrics = createMetrics('fake-dlq-again')
    let depth = 1n
    await start({ metrics, lagIntervalMs: 3000 }, c => { c.dlqTopics.add('t.dlq'); c.offsetsOf = (_topic, timestamp) => timestamp === -2n ? [0n] : [depth] })
    await settle()
    assert.deepEqual(await metric(metrics, 'deadLetterDepth'), { t: 1 })
    depth = 4n
    mock.timers.tick(2999)
    await settle()
    assert.deepEqual(await metric(metrics, 'deadLetterDepth'), { t: 1 })
    mock.timers.tick(1)
    await settle()
    assert.deepEqual(await metric(metrics, 'deadLetterDepth'), { t: 4 })
  })

  it('retries a commit that failed from the watchdog', async () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000_000 })
    const { push, client, handled } = await start({}, c => { c.active = false })
    push(record(0, 0))
    await settle()
    assert.equal(handled.length, 1)
    client().active = true
    mock.timers.tick(1000)
    await settle()
    assert.deepEqual(client().commits, [[{ topic: 't', partition: 0, offset: 1n }]])
  })
})
