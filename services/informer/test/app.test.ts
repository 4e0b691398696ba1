// Integration: the service against the real Kafka and PostgreSQL, on topics, group and database of its own.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createProducer, kafkaConnection } from '@ripple/kit'
import type { KafkaProducer } from '@ripple/kit'
import { deleteTopics, dropPostgresDatabase, eventually, groupCaughtUp, testConfig, unique } from '@ripple/testing'
import { createInformerService } from '../src/app.ts'
import { informerConfigSchema } from '../src/config.ts'

type InformerService = ReturnType<typeof createInformerService>

describe('informer (real Kafka and PostgreSQL)', () => {
  const scope = { created: unique('test.informer.created.'), finished: unique('test.informer.finished.'), groupId: unique('test-informer-'), database: unique('test_informer_') }
  const config = testConfig(informerConfigSchema, {
      CREATED_TOPIC: scope.created, FINISHED_TOPIC: scope.finished, GROUP_ID: scope.groupId, POSTGRES_DATABASE: scope.database
  })
  let producer: KafkaProducer
  let service: InformerService
  let base: string

  const start = async () => {
    service = createInformerService(config)
    base = (await service.start()).url
  }
  const info = async (id: string) => {
    const res = await fetch(`${base}/info/${id}`)
    return { status: res.status, body: await res.json() as Record<string, unknown> }
  }

  before(async () => {
    producer = createProducer({ ...kafkaConnection(config), clientId: 'informer-test' })
    await start()
  })
  after(async () => {
    await service.stop()
    await producer.close()
    await deleteTopics([scope.created, scope.finished, `${scope.created}.dlq`, `${scope.finished}.dlq`])
    await dropPostgresDatabase(scope.database)
  })

  const CREATE = '2024-01-27T12:34:50.594423357Z'
  const FINISH = '2024-01-27T12:34:50.704464721Z'
  const job = (id: string) => ({ topic: scope.created, key: id, value: JSON.stringify({ id, create_date: CREATE, sleep: 99, data: 'ff' }) })
  const done = (id: string) => ({ topic: scope.finished, key: id, value: JSON.stringify({ id, status: 'finish', create_date: CREATE, finish_date: FINISH }) })

  it('answers each job\'s status from its view: created, finish (whichever topic came first), unknown', async () => {
    const [waiting, finished, lateCreated] = [randomUUID(), randomUUID(), randomUUID()]
    await producer.send([job(waiting), job(finished), done(finished), done(lateCreated)])
    await eventually(async () => assert.equal((await info(lateCreated)).body.status, 'finish'))
    await producer.send(job(lateCreated))
    await eventually(async () => assert.ok(await groupCaughtUp(scope.groupId, scope.created)))

    assert.deepEqual(await info(waiting), { status: 200, body: { id: waiting, status: 'created', create_date: CREATE } })
    assert.deepEqual(await info(finished), { status: 200, body: { id: finished, status: 'finish', create_date: CREATE, finish_date: FINISH } })
    assert.deepEqual(await info(lateCreated), { status: 200, body: { id: lateCreated, status: 'finish', create_date: CREATE, finish_date: FINISH } }, 'a late created does not undo finish')
    assert.deepEqual(await info(finished.toUpperCase()), { status: 200, body: { id: finished, status: 'finish', create_date: CREATE, finish_date: FINISH } })
    assert.deepEqual(await info('00000000-0000-0000-0000-000000000000'), { status: 200, body: { id: '00000000-0000-0000-0000-000000000000', status: 'unknown' } })
  })

  it('answers /health from the host: PostgreSQL and its consumer of both topics', async () => {
    const res = await fetch(`${base}/health`)
    const body = await res.json() as Record<string, unknown>
    assert.equal(res.status, 200, JSON.stringify(body))
    assert.equal(body.status, 'ok')
    assert.equal(body.postgres, 'ok')
    assert.deepEqual((body[`consumer:${scope.groupId}`] as { topics: string[] }).topics, [scope.created, scope.finished])
  })

  it('refuses a malformed id with 400 naming it', async () => {
    for (const id of ['42', 'b31b7446-20f7-4add-adea-157bac7fe73', 'not-a-uuid-at-all']) {
      const res = await info(id)
      assert.equal(res.status, 400)
      assert.equal(res.body.field, 'id')
    }
  })

  it('keeps its view across a restart and carries on from where it stopped', async () => {
    const before = randomUUID()
    await producer.send([job(before), done(before)])
    await eventually(async () => assert.equal((await info(before)).body.status, 'finish'))
    await service.stop()
    const during = randomUUID()
    await producer.send([job(during), done(during)])
    await start()
    assert.equal((await info(before)).body.status, 'finish')
    await eventually(async () => assert.equal((await info(during)).body.status, 'finish'))
  })

  it('exports its view events, lookups and create → visible latency in /metrics', async () => {
    const metrics = await (await fetch(`${base}/metrics`)).text()
    assert.match(metrics, /ripple_job_view_events_total\{event="finish",service="informer"\} [1-9]/)
    assert.match(metrics, /ripple_job_lookups_total\{status="(finish|created|unknown)",service="informer"\} [1-9]/)
    assert.match(metrics, /ripple_job_create_to_visible_seconds_count\{service="informer"\} [1-9]/)
  })
})
