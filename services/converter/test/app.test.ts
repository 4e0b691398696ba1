// Integration: the service against the real Kafka, on topics and a group of its own.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createProducer, kafkaConnection } from '@ripple/kit'
import type { KafkaProducer } from '@ripple/kit'
import { countRecords, deleteTopics, eventually, groupCaughtUp, readTopic, testConfig, unique } from '@ripple/testing'
import { createConverterService } from '../src/app.ts'
import { converterConfigSchema } from '../src/config.ts'

describe('converter (real Kafka)', () => {
  const scope = { source: unique('test.converter.'), postgres: unique('test.converter.pg.'), clickhouse: unique('test.converter.ch.'), groupId: unique('test-converter-') }
  let producer: KafkaProducer
  let service: ReturnType<typeof createConverterService>
  let base: string

  before(async () => {
    const config = testConfig(converterConfigSchema, {
      SOURCE_TOPIC: scope.source, POSTGRES_TOPIC: scope.postgres, CLICKHOUSE_TOPIC: scope.clickhouse, GROUP_ID: scope.groupId
    })
    producer = createProducer({ ...kafkaConnection(config), clientId: 'converter-test' })
    service = createConverterService(config)
    base = (await service.start()).url
  })
  after(async () => {
    await service.stop()
    await producer.close()
    await deleteTopics([scope.source, scope.postgres, scope.clickhouse, `${scope.source}.dlq`])
  })

  it('answers /health from the host, naming its consumer', async () => {
    const res = await fetch(`${base}/health`)
    const body = await res.json() as Record<string, unknown>
    assert.equal(res.status, 200, JSON.stringify(body))
    assert.deepEqual((body[`consumer:${scope.groupId}`] as { topics: string[] }).topics, [scope.source])
  })

  it('turns each JobDone into one JDBC-sink record and two CSV rows, all keyed by the job id', async () => {
    const jobs = Array.from({ length: 100 }, (_, i) => ({
      id: randomUUID(), status: 'finish', create_date: `2024-01-27T12:34:${String(i % 60).padStart(2, '0')}.594423357Z`, finish_date: '2024-01-27T12:35:00.000000001Z'
    }))
    await producer.send(jobs.map(j => ({ topic: scope.source, key: j.id, value: JSON.stringify(j) })))

    const pg = await readTopic(scope.postgres, records => records.length >= 100)
    const ch = await readTopic(scope.clickhouse, records => records.length >= 200)
    await eventually(async () => assert.ok(await groupCaughtUp(scope.groupId, scope.source)))
    assert.equal(await countRecords(scope.postgres), 100)
    assert.equal(await countRecords(scope.clickhouse), 200)
    for (const [i, j] of jobs.entries()) {
      const record = pg.find(r => r.key === j.id)
      const value = JSON.parse(record?.value ?? '{}')
      assert.deepEqual(value.payload, { id: j.id, status: 'finish', create_date: 1706358840 + (i % 60), finish_date: 1706358900 })
      assert.deepEqual(value.schema.fields.map((f: { field: string, type: string }) => `${f.field}:${f.type}`), ['id:string', 'status:string', 'create_date:int64', 'finish_date:int64'])
      const rows = ch.filter(r => r.key === j.id)
      assert.deepEqual(rows.map(r => r.value), [`${j.id},create,${j.create_date}`, `${j.id},finish,${j.finish_date}`], 'create before finish, on one partition')
      assert.equal(new Set(rows.map(r => r.partition)).size, 1)
    }
  })

  it('parks a record the JobDone contract refuses in the dead-letter topic, naming the field, and converts the next one', async () => {
    const good = { id: randomUUID(), status: 'finish', create_date: '2024-01-27T12:34:50.594423357Z', finish_date: '2024-01-27T12:34:50.704464721Z' }
    await producer.send([
      { topic: scope.source, key: 'poison', value: JSON.stringify({ ...good, id: randomUUID(), status: 'failed' }), partition: 0 },
      { topic: scope.source, key: good.id, value: JSON.stringify(good), partition: 0 }
    ])
    const [parked] = await readTopic(`${scope.source}.dlq`, records => records.length >= 1)
    assert.equal(parked?.key, 'poison')
    assert.equal(parked?.headers['x-dlq-error-code'], 'INVALID_INPUT')
    assert.equal(parked?.headers['x-dlq-error-field'], 'value.status')
    const pg = await readTopic(scope.postgres, records => records.some(r => r.key === good.id))
    assert.equal(pg.filter(r => r.key === good.id).length, 1)
    assert.equal(pg.filter(r => r.key === 'poison').length, 0)
  })
})
