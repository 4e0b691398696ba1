// Integration: the whole service in-process against the real Kafka and PostgreSQL, on a topic, group and database of its own.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createProducer, kafkaConnection } from '@ripple/kit'
import type { KafkaProducer } from '@ripple/kit'
import { deleteTopics, dropPostgresDatabase, eventually, groupCaughtUp, readTopic, stack, testConfig, unique } from '@ripple/testing'
import pg from 'pg'
import { createSyncService } from '../src/app.ts'
import type { SyncService } from '../src/app.ts'
import { syncServiceConfigSchema } from '../src/config.ts'

describe('sync-service (real Kafka and PostgreSQL)', () => {
  const scope = { topic: unique('test.carga.'), groupId: unique('test-sync-'), database: unique('test_sync_app_') }
  const config = testConfig(syncServiceConfigSchema, {
    TOPIC: scope.topic, GROUP_ID: scope.groupId, POSTGRES_DATABASE: scope.database, PUBLICATION: 'test_carga_tabela',
    RETRY_MIN_MS: '50', RETRY_MAX_MS: '500', KAFKA_STALL_AFTER_MS: '1000'
  })
  let producer: KafkaProducer
  let service: SyncService
  let base: string
  let admin: pg.Client

  const carga = (id: string, valor: string, key = id) => ({ topic: scope.topic, key, value: JSON.stringify({ id, valor, requestId: unique('req-'), acceptedAt: new Date().toISOString() }) })
  const rowOf = async (id: string) => (await admin.query<{ valor: string, source_offset: string }>('SELECT valor, source_offset FROM tabela WHERE id = $1', [id])).rows[0]
  const health = async () => {
    const res = await fetch(`${base}/health`)
    return { status: res.status, body: await res.json() as { reasons: string[] } }
  }

  before(async () => {
    producer = createProducer({ ...kafkaConnection(config), clientId: 'sync-service-test' })
    service = createSyncService(config)
    base = (await service.start()).url
    admin = new pg.Client({ ...stack.postgres, database: scope.database })
    await admin.connect()
  })
  after(async () => {
    await service.stop()
    await producer.close()
    await admin.end()
    await dropPostgresDatabase(scope.database)
    await deleteTopics([scope.topic, `${scope.topic}.dlq`])
  })

  it('writes each id\'s last valor, unicode intact, and exports its metrics', async () => {
    await producer.send([carga('u1', 'Teste de integração'), carga('u2', 'emoji 🚀'), carga('u1', 'Teste de integração, de novo ✓')])
    await eventually(async () => assert.equal((await rowOf('u1'))?.valor, 'Teste de integração, de novo ✓'))
    assert.equal((await rowOf('u2'))?.valor, 'emoji 🚀')
    const metrics = await (await fetch(`${base}/metrics`)).text()
    assert.match(metrics, /ripple_carga_synced_total\{outcome="applied",service="sync-service"\} 3/)
    assert.match(metrics, /ripple_carga_accepted_to_synced_seconds_count\{service="sync-service"\} 3/)
  })

  it('parks a malformed record on <topic>.dlq with its reason; the records after it go on', async () => {
    await producer.send([carga('m1', 'before'), { topic: scope.topic, key: 'm1', value: '{"id": "m1", "valor": ' }, carga('m1', 'x'.repeat(10_001)), carga('m1', 'after')])
    await eventually(async () => assert.equal((await rowOf('m1'))?.valor, 'after'))
    const parked = await readTopic(`${scope.topic}.dlq`, records => records.length >= 2)
    assert.deepEqual(parked.map(r => r.headers['x-dlq-error-field']).sort(), ['value', 'value.valor'])
    assert.match(parked.find(r => r.headers['x-dlq-error-field'] === 'value')?.headers['x-dlq-reason'] ?? '', /not JSON/)
  })

  it('waits out its database going away: /health 503 meanwhile, nothing dead-lettered, every record written once it is back', async () => {
    // The database refuses new connections and loses the ones it had: to the service, an outage.
    // (The test's own connection to it stays, to read the rows afterwards.)
    const server = new pg.Client({ ...stack.postgres, database: 'postgres' })
    await server.connect()
    const ownPid = (await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid
    await server.query(`ALTER DATABASE ${pg.escapeIdentifier(scope.database)} ALLOW_CONNECTIONS false`)
    try {
      await server.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> $2', [scope.database, ownPid])
      await producer.send(Array.from({ length: 20 }, (_, n) => carga(`o${n % 5}`, `during the outage #${n}`)))
      await eventually(async () => {
        const { status, body } = await health()
        assert.equal(status, 503)
        assert.match(body.reasons.join('; '), /postgres does not answer/)
      }, 30_000, 200)
      // Long enough for the stalled partition to be reported too, with what it retries.
      await eventually(async () => assert.match((await health()).body.reasons.join('; '), /no commit for .*retrying/), 30_000, 200)
    } finally {
      await server.query(`ALTER DATABASE ${pg.escapeIdentifier(scope.database)} ALLOW_CONNECTIONS true`)
      await server.end()
    }
    await eventually(async () => assert.ok(await groupCaughtUp(scope.groupId, scope.topic)), 60_000, 250)
    for (let i = 0; i < 5; i++) assert.equal((await rowOf(`o${i}`))?.valor, `during the outage #${15 + i}`)
    assert.equal((await health()).status, 200)
    const parked = await readTopic(`${scope.topic}.dlq`, records => records.length >= 2)
    assert.equal(parked.length, 2, 'only the two malformed records of the test before')
  })
})
