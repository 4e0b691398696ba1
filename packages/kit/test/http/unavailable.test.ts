// Unit: a request that fails because a dependency is out answers 503 with Retry-After and names it;
// a bug stays a 500. The driver errors are real ones: each driver is pointed at a port nobody listens on.
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { RippleError, InvalidInputError } from '../../src/errors/ripple.error.ts'
import { createHttpServer, HttpError } from '../../src/http/http-server.ts'
import { RETRY_AFTER_SECONDS, unavailableDependency } from '../../src/http/unavailable.ts'
import type { Dependency } from '../../src/http/unavailable.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { createMetrics } from '../../src/metrics/metrics.ts'

/** A port that was free a moment ago: connecting to it is refused. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

/** A port that accepts and at once drops every connection: the driver sees its connection lost. */
async function droppingPort (): Promise<{ port: number, close: () => Promise<void> }> {
  const server = createServer(socket => socket.destroy())
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as { port: number }).port, close: () => new Promise(resolve => server.close(() => resolve())) }
}

describe('unavailableDependency: which outage failed a request', () => {
  it('names the MariaDB database by the port mysql2 was refused on', async () => {
    const port = await closedPort()
    const pool = mysql.createPool({ host: '127.0.0.1', port, user: 'x', password: 'y', connectTimeout: 1000 })
    const error = await pool.query('SELECT 1').then(() => undefined, (e: unknown) => e)
    await pool.end()
    const deps: Dependency[] = [{ name: 'Kafka', kind: 'kafka', ports: [9092] }, { name: 'the userdata database', kind: 'mariadb', ports: [port] }]
    assert.deepEqual(unavailableDependency(error, deps), { name: 'the userdata database' })
  })

  it('names the PostgreSQL database when pg loses its connection (no code, only a message)', async () => {
    const dropping = await droppingPort()
    const pool = new pg.Pool({ host: '127.0.0.1', port: dropping.port, user: 'x', password: 'y', connectionTimeoutMillis: 1000 })
    const error = await pool.query('SELECT 1').then(() => undefined, (e: unknown) => e)
    await pool.end()
    await dropping.close()
    assert.ok(error instanceof Error, 'the query failed')
    const deps: Dependency[] = [{ name: 'Kafka', kind: 'kafka', ports: [9092] }, { name: 'the informer database', kind: 'postgres', ports: [5433] }]
    assert.deepEqual(unavailableDependency(error, deps), { name: 'the informer database' })
  })

  it('takes the word of an error that says it may pass (KAFKA_UNAVAILABLE), and looks through causes', () => {
    const kafka = new RippleError('KAFKA_UNAVAILABLE', 'no leader for 60 s', { canRetry: true })
    const deps: Dependency[] = [{ name: 'Kafka', kind: 'kafka', ports: [9092] }]
    assert.deepEqual(unavailableDependency(new Error('publish failed', { cause: kafka }), deps), { name: 'Kafka', message: 'no leader for 60 s' })
  })

  it('leaves a bug, a final domain error and bad input alone', () => {
    const deps: Dependency[] = [{ name: 'the userdata database', kind: 'mariadb', ports: [3307] }]
    assert.equal(unavailableDependency(new TypeError('x is undefined'), deps), undefined)
    assert.equal(unavailableDependency(new RippleError('NOT_FOUND', 'no such user'), deps), undefined)
    assert.equal(unavailableDependency(new InvalidInputError('email', 'not an address'), deps), undefined)
    // A SQL error is the statement's fault, not an outage.
    assert.equal(unavailableDependency(Object.assign(new Error('Duplicate entry'), { code: 'ER_DUP_ENTRY', sqlState: '23000', fatal: false }), deps), undefined)
  })
})

describe('createHttpServer: an outage is a 503, never a 500', () => {
  let app: FastifyInstance
  let base: string
  let pool: mysql.Pool

  before(async () => {
    const port = await closedPort()
    pool = mysql.createPool({ host: '127.0.0.1', port, user: 'x', password: 'y', connectTimeout: 1000 })
    app = createHttpServer({
      logger: createLogger('http-test', 'silent'),
      metrics: createMetrics('http-test'),
      dependencies: [{ name: 'the userdata database', kind: 'mariadb', ports: [port] }]
    })
    app.get('/user', async () => pool.query('SELECT 1'))
    app.get('/bug', async () => { throw new TypeError('x is undefined') })
    app.get('/teapot', async () => { throw new HttpError(418, 'TEAPOT', 'short and stout') })
    base = await app.listen({ host: '127.0.0.1', port: 0 })
  })
  after(async () => { await app.close(); await pool.end() })

  it('answers a refused database with 503, Retry-After and the dependency named', async () => {
    const res = await fetch(`${base}/user`)
    assert.equal(res.status, 503)
    assert.equal(res.headers.get('retry-after'), String(RETRY_AFTER_SECONDS))
    assert.deepEqual(await res.json(), { error: 'UNAVAILABLE', message: 'the userdata database is unavailable; retry shortly', dependency: 'the userdata database' })
  })

  it('keeps a bug a 500 and a route\'s own status its own', async () => {
    assert.equal((await fetch(`${base}/bug`)).status, 500)
    assert.equal((await fetch(`${base}/teapot`)).status, 418)
  })
})
