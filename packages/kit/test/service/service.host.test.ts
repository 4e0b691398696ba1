import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { afterEach, describe, it, mock } from 'node:test'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { baseConfigSchema } from '../../src/config/config.ts'
import { InvalidInputError } from '../../src/errors/ripple.error.ts'
import type { ConsumerHealth } from '../../src/kafka/consumer.runner.ts'
import { defineService } from '../../src/service/service.host.ts'
import type { HostedConfig, ServiceContext } from '../../src/service/service.host.ts'

/**
 * The host with stand-ins for what it opens: the Kafka clients through their createClient
 * options, pg and mysql2 by swapping their constructors for the test's.
 */

const config: HostedConfig = { ...baseConfigSchema.parse({ LOG_LEVEL: 'silent', KAFKA_BROKERS: 'k1:9092,k2:9093', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }), PORT: 0 }

/** A Kafka consumer stand-in: joins at once, fetches what `push` gives it, records its commits and closing. */
class FakeConsumer extends EventEmitter {
  assignments = null
  readonly stream = Object.assign(new EventEmitter(), { pause () {}, resume () {}, isPaused: () => false, close: async () => {} })
  readonly options: Record<string, unknown>
  onClose: () => void = () => {}
  constructor (options: Record<string, unknown>) { super(); this.options = options }
  isActive (): boolean { return true }
  async consume (): Promise<unknown> { return this.stream }
  async commit (): Promise<void> {}
  async close (): Promise<void> { this.onClose() }
  startLagMonitoring (): void {}
  stopLagMonitoring (): void {}
  async metadata (): Promise<unknown> { return { topics: new Map() } }
  async listOffsets (): Promise<unknown> { return new Map() }
}

function fakeProducer (log: string[], sent: { topic: string }[] = [], failWith?: Error) {
  return () => ({
    send: async ({ messages }: { messages: { topic: string }[] }) => { if (failWith) throw failWith; sent.push(...messages) },
    close: async () => { log.push('producer') }
  }) as never
}

const services: { stop: () => Promise<void> }[] = []
const restore: (() => void)[] = []
afterEach(async () => {
  mock.timers.reset()
  await Promise.all(services.splice(0).map(s => s.stop()))
  for (const undo of restore.splice(0)) undo()
})

/** Replaces a property for the test; put back after it. */
function swap<T extends object, K extends keyof T> (target: T, key: K, value: unknown): void {
  const original = target[key]
  target[key] = value as T[K]
  restore.push(() => { target[key] = original })
}

async function startService (setup: (context: ServiceContext<HostedConfig>) => Promise<void> | void, onFatal?: (error: unknown) => void, settings = config) {
  let context: ServiceContext<HostedConfig> | undefined
  const service = defineService<HostedConfig>('svc', async c => { context = c; await setup(c) })(settings, { onFatal })
  services.push(service)
  const { url } = await service.start()
  return { service, url, context: context! }
}

async function health (context: ServiceContext<HostedConfig>) {
  const response = await context.http.inject({ method: 'GET', url: '/health' })
  return { status: response.statusCode, body: response.json() as Record<string, unknown> }
}

describe('defineService', () => {
  it('runs the setup, listens, and answers its URL', async () => {
    const { url, context } = await startService(c => { c.http.get('/hello', async () => ({ hi: c.name })) })
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
    const response = await fetch(`${url}/hello`)
    assert.deepEqual(await response.json(), { hi: 'svc' })
    assert.equal(context.config, config)
    assert.equal(context.name, 'svc')
  })

  it('stops consumers, then workers, then HTTP, then the producer, then the pools; once', async () => {
    const log: string[] = []
    const { service } = await startService(async c => {
      c.producer({ createClient: fakeProducer(log) })
      await c.consume({
        groupId: 'g', topics: ['t'], handler: async () => {},
        createClient: o => Object.assign(new FakeConsumer(o as unknown as Record<string, unknown>), { onClose: () => { log.push('consumer') } }) as never
      })
      c.worker({ stop: async () => { log.push('worker') } })
      c.http.addHook('onClose', async () => { log.push('http') })
      c.onClose(async () => { log.push('pool') })
    })
    await Promise.all([service.stop(), service.stop()])
    assert.deepEqual(log, ['consumer', 'worker', 'http', 'producer', 'pool'])
  })

  it('stops a service that never started without failing', async () => {
    const log: string[] = []
    const service = defineService<HostedConfig>('svc', c => { c.onClose(async () => { log.push('pool') }) })(config)
    await service.stop()
    assert.deepEqual(log, [])
  })

  it('gives each service one producer, with its login and name', async () => {
    const options: Record<string, unknown>[] = []
    const { context } = await startService(() => {})
    const make = (o: unknown) => { options.push(o as Record<string, unknown>); return fakeProducer([])() }
    const first = context.producer({ createClient: make, lingerMs: 5 })
    assert.equal(context.producer(), first)
    assert.equal(options.length, 1)
    assert.equal(options[0]!.clientId, 'svc')
    assert.deepEqual(options[0]!.bootstrapBrokers, ['k1:9092', 'k2:9093'])
    assert.deepEqual(options[0]!.sasl, { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' })
  })

  it('gives a consumer the service\'s login, name and stall setting, and dead-letters through its producer', async () => {
    const sent: { topic: string }[] = []
    const clients: FakeConsumer[] = []
    const { context } = await startService(() => {})
    context.producer({ createClient: fakeProducer([], sent) })
    await context.consume({
      groupId: 'g', topics: ['t'],
      handler: async () => { throw new InvalidInputError('value', 'bad') },
      createClient: o => { const c = new FakeConsumer(o as unknown as Record<string, unknown>); clients.push(c); return c as never }
    })
    const o = clients[0]!.options
    assert.equal(o.clientId, 'svc')
    assert.deepEqual(o.bootstrapBrokers, ['k1:9092', 'k2:9093'])
    assert.deepEqual(o.sasl, { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' })
    clients[0]!.stream.emit('data', { topic: 't', partition: 0, offset: 0n, timestamp: 0n, key: undefined, value: Buffer.from('x'), headers: new Map() })
    for (let i = 0; i < 100 && sent.length === 0; i++) await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(sent.map(m => m.topic), ['t.dlq'])
  })

  it('answers /health 200 with every probe ok, 503 naming each that is down, the producer\'s failure and each unhealthy consumer', async () => {
    let down = false
    const { context } = await startService(c => {
      c.probe('cache', async () => { if (down) throw new Error('connection refused') })
      c.probe('search', async () => {})
    })
    assert.deepEqual(await health(context), { status: 200, body: { status: 'ok', reasons: [], cache: 'ok', search: 'ok' } })
    down = true
    const { status, body } = await health(context)
    assert.equal(status, 503)
    assert.deepEqual(body, { status: 'unhealthy', reasons: ['cache does not answer: connection refused'], cache: 'down', search: 'ok' })
  })

  it('names a probe that fails with something other than an Error by its text', async () => {
    const { context } = await startService(c => { c.probe('cache', () => Promise.reject(new Error('x').message)) })
    assert.deepEqual((await health(context)).body.reasons, ['cache does not answer: x'])
  })

  it('reports Kafka down while the producer\'s last write failed', async () => {
    const { context } = await startService(() => {})
    const producer = context.producer({ createClient: fakeProducer([], [], new Error('not enough replicas')) })
    assert.equal((await health(context)).status, 200)
    await assert.rejects(producer.sendJson('t', null, 1))
    const { status, body } = await health(context)
    assert.equal(status, 503)
    assert.equal(body.kafka, 'down')
    assert.deepEqual(body.reasons, ['Kafka did not take the last write: not enough replicas'])
  })

  it('reports each consumer\'s state, and why one is unhealthy', async () => {
    const { context } = await startService(() => {})
    context.producer({ createClient: fakeProducer([]) })
    const runner = await context.consume({ groupId: 'g', topics: ['t', 'u'], handler: async () => {}, createClient: o => new FakeConsumer(o as unknown as Record<string, unknown>) as never })
    assert.deepEqual(await health(context), { status: 200, body: { status: 'ok', reasons: [], 'consumer:g': { topics: ['t', 'u'], healthy: true } } })
    let state: ConsumerHealth = { healthy: false, reason: 'partition t:0: no commit for 61 s' }
    runner.health = () => state
    const first = await health(context)
    assert.equal(first.status, 503)
    let body = first.body
    assert.deepEqual(body['consumer:g'], { topics: ['t', 'u'], healthy: false, reason: 'partition t:0: no commit for 61 s' })
    assert.deepEqual(body.reasons, ['consumer g (t, u): partition t:0: no commit for 61 s']);
    state = { healthy: false };
    ({ body } = await health(context))
    assert.deepEqual(body.reasons, ['consumer g (t, u): unhealthy'])
  })

  it('reports a consumer stalled after KAFKA_STALL_AFTER_MS', async () => {
    const gate = Promise.withResolvers<void>()
    const clients: FakeConsumer[] = []
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 })
    const { context } = await startService(() => {}, undefined, { ...config, KAFKA_STALL_AFTER_MS: 2000 })
    context.producer({ createClient: fakeProducer([]) })
    await context.consume({
      groupId: 'g', topics: ['t'], handler: () => gate.promise,
      createClient: o => { const c = new FakeConsumer(o as unknown as Record<string, unknown>); clients.push(c); return c as never }
    })
    clients[0]!.stream.emit('data', { topic: 't', partition: 0, offset: 0n, timestamp: 0n, key: undefined, value: Buffer.from('x'), headers: new Map() })
    mock.timers.tick(2001)
    const { body } = await health(context)
    gate.resolve()
    assert.deepEqual(body.reasons, ['consumer g (t): partition t:0: no commit for 2 s'])
  })

  it('answers 503 naming Kafka when a route fails to reach a broker', async () => {
    const { context } = await startService(c => {
      c.http.get('/fail', async () => { throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', port: 9093 }) })
    })
    const response = await context.http.inject({ method: 'GET', url: '/fail' })
    assert.equal(response.statusCode, 503)
    assert.equal(response.json().dependency, 'Kafka')
  })

  it('opens its PostgreSQL database from the POSTGRES_* settings: probed by /health, named in a 503, closed last', async () => {
    const made: { kind: string, options: Record<string, unknown> }[] = []
    const log: string[] = []
    let up = true
    class Client {
      constructor (options: Record<string, unknown>) { made.push({ kind: 'client', options }) }
      async connect () {}
      async end () {}
    }
    class Pool extends EventEmitter {
      constructor (options: Record<string, unknown>) { super(); made.push({ kind: 'pool', options }) }
      async query (sql: string) { if (!up) throw new Error('terminating connection'); log.push(sql); return { sql } }
      async end () { log.push('pool') }
    }
    swap(pg, 'Client', Client)
    swap(pg, 'Pool', Pool)
    const { service, context } = await startService(async c => {
      await c.postgres({ database: 'users', max: 3 })
      c.http.get('/fail', async () => { throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', port: config.POSTGRES_PORT }) })
    })
    const settings = { host: config.POSTGRES_HOST, port: config.POSTGRES_PORT, user: config.POSTGRES_USER, password: config.POSTGRES_PASSWORD, database: 'users' }
    assert.deepEqual(made, [{ kind: 'client', options: settings }, { kind: 'pool', options: { ...settings, max: 3 } }])
    assert.equal((await health(context)).body.postgres, 'ok')
    assert.deepEqual(log.splice(0), ['SELECT 1'])
    up = false
    assert.equal((await health(context)).body.postgres, 'down')
    const response = await context.http.inject({ method: 'GET', url: '/fail' })
    assert.equal(response.json().dependency, 'the users database')
    await service.stop()
    assert.deepEqual(log, ['pool'])
  })

  it('migrates its MariaDB database, then opens a pool that /health probes and that closes last', async () => {
    const log: string[] = []
    let poolOptions: Record<string, unknown> | undefined
    swap(mysql, 'createPool', (options: Record<string, unknown>) => {
      poolOptions = options
      return { pool: new EventEmitter(), query: async (sql: string) => { log.push(sql) }, end: async () => { log.push('end') } }
    })
    const migrated: unknown[] = []
    const { service, context } = await startService(async c => {
      const { settings } = await c.mariadb({ database: 'orders', connectionLimit: 4, options: { dateStrings: true }, migrate: async s => { migrated.push(s); log.push('migrate') } })
      assert.equal(settings, migrated[0])
      c.http.get('/fail', async () => { throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', port: config.MARIADB_PORT }) })
    })
    assert.deepEqual(migrated, [{ host: config.MARIADB_HOST, port: config.MARIADB_PORT, user: config.MARIADB_USER, password: config.MARIADB_PASSWORD, database: 'orders', connectionLimit: 4, options: { dateStrings: true } }])
    assert.equal(poolOptions?.database, 'orders')
    assert.equal(poolOptions?.connectionLimit, 4)
    assert.equal((await health(context)).body.mariadb, 'ok')
    assert.equal((await context.http.inject({ method: 'GET', url: '/fail' })).json().dependency, 'the orders database')
    await service.stop()
    assert.deepEqual(log, ['migrate', 'SELECT 1', 'end'])
  })

  it('hands onFatal to its consumers', async () => {
    const fatal: unknown[] = []
    const clients: FakeConsumer[] = []
    const { context } = await startService(() => {}, error => { fatal.push(error) })
    context.producer({ createClient: fakeProducer([]) })
    await context.consume({
      groupId: 'g', topics: ['t'], handler: async () => {},
      createClient: o => {
        const c = new FakeConsumer(o as unknown as Record<string, unknown>)
        // The second client (after the first one's stream closed) is refused as a misuse: fatal.
        if (clients.length > 0) c.consume = async () => { throw Object.assign(new (await import('@platformatic/kafka')).UserError('bad')) }
        clients.push(c)
        return c as never
      }
    })
    clients[0]!.stream.emit('close')
    for (let i = 0; i < 200 && fatal.length === 0; i++) await new Promise(resolve => setImmediate(resolve))
    assert.equal(fatal.length, 1)
  })
})
