// Integration: the service against the real Kafka, on topics and a group of its own.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createProducer, loadConfig } from '@ripple/kit'
import type { KafkaProducer } from '@ripple/kit'
import { countRecords, deleteTopics, eventually, groupCaughtUp, readTopic, unique } from '@ripple/testing'
import { createConverterService } from '../src/app.ts'
import { converterConfigSchema } from '../src/config.ts'

describe('converter (real Kafka)', () => {
  const scope = { source: unique('test.converter.'), postgres: unique('test.converter.pg.'), clickhouse: unique('test.converter.ch.'), groupId: unique('test-converter-') }
  let producer: KafkaProducer
  let service: ReturnType<typeof createConverterService>

  before(async () => {
    const config = loadConfig(converterConfigSchema, {
      ...process.env, PORT: '0', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      SOURCE_TOPIC: scope.source, POSTGRES_TOPIC: scope.postgres, CLICKHOUSE_TOPIC: scope.clickhouse, GROUP_ID: scope.groupId
    })
    producer = createProducer({ brokers: config.KAFKA_BROKERS, clientId: 'converter-test' })
    service = createConverterService(config)
    await service.start()
  })
  after(async () => {
    await service.stop()
    await producer.close()
    await deleteTopics([scope.source, scope.postgres, scope.clickhouse, `${scope.source}.dlq`])
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
})
