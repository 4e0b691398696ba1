// Integration: the service against the real Kafka, on topics and a group of its own.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createProducer, formatNanoTimestamp, kafkaConnection, loadConfig } from '@ripple/kit'
import type { KafkaProducer } from '@ripple/kit'
import { countRecords, deleteTopics, eventually, groupCaughtUp, readTopic, testConfig, unique } from '@ripple/testing'
import { createProcessorService } from '../src/app.ts'
import { processorConfigSchema } from '../src/config.ts'

type ProcessorService = ReturnType<typeof createProcessorService>

const metric = async (url: string, name: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text()
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN)
}

describe('processor (real Kafka)', () => {
  let producer: KafkaProducer
  const services: ProcessorService[] = []
  const topics: string[] = []

  before(() => { producer = createProducer({ ...kafkaConnection(loadConfig(processorConfigSchema)), clientId: 'processor-test' }) })
  after(async () => {
    await Promise.all(services.map(s => s.stop()))
    await producer.close()
    await deleteTopics(topics)
  })

  function setup (name: string) {
    const scope = { source: unique(`test.processor.${name}.`), target: unique(`test.processor.${name}.done.`), groupId: unique(`test-processor-${name}-`) }
    topics.push(scope.source, scope.target, `${scope.source}.dlq`)
    return scope
  }

  async function startService (scope: ReturnType<typeof setup>) {
    const service = createProcessorService(testConfig(processorConfigSchema, {
      SOURCE_TOPIC: scope.source, TARGET_TOPIC: scope.target, GROUP_ID: scope.groupId, RETRY_MIN_MS: '20', RETRY_MAX_MS: '100'
    }))
    services.push(service)
    return { service, ...(await service.start()) }
  }

  const job = (sleep: number) => {
    const id = randomUUID()
    return { id, create_date: formatNanoTimestamp(BigInt(Date.now()) * 1_000_000n), sleep, data: 'ab' }
  }

  it('sleeps the jobs of one partition at once, and a stop in the middle of their sleep loses none', async () => {
    const scope = setup('sleepers')
    const first = await startService(scope)
    // Long enough that all of them are still asleep when the first instance stops.
    const jobs = Array.from({ length: 50 }, () => job(15_000))
    await producer.send(jobs.map(j => ({ topic: scope.source, key: j.id, value: JSON.stringify(j), partition: 0 })))

    await eventually(async () => assert.equal(await metric(first.url, 'ripple_jobs_in_progress'), 50, 'all 50 asleep together'), 60_000, 50)
    assert.equal(await metric(first.url, 'ripple_jobs_finished_total'), 0)
    await first.service.stop()
    assert.equal(await groupCaughtUp(scope.groupId, scope.source), false, 'nothing committed for jobs that did not finish')

    await startService(scope)
    const done = await readTopic(scope.target, records => records.length >= 50)
    await eventually(async () => assert.ok(await groupCaughtUp(scope.groupId, scope.source)))
    assert.equal(await countRecords(scope.target), 50, 'each job finished once')
    for (const j of jobs) {
      const record = done.find(r => r.key === j.id)
      assert.ok(record, `job ${j.id} finished`)
      const jobDone = JSON.parse(record.value ?? '{}')
      assert.deepEqual(Object.keys(jobDone), ['id', 'status', 'create_date', 'finish_date'])
      assert.equal(jobDone.status, 'finish')
      assert.equal(jobDone.create_date, j.create_date)
      assert.ok(jobDone.finish_date > j.create_date, 'finished after it was created')
    }
  })

  it('parks a record that is not a job in the dead-letter topic and finishes the next one', async () => {
    const scope = setup('poison')
    const { url } = await startService(scope)
    const good = job(0)
    await producer.send([
      { topic: scope.source, key: 'poison', value: '{"id": "not a job"}', partition: 1 },
      { topic: scope.source, key: good.id, value: JSON.stringify(good), partition: 1 }
    ])
    const [done] = await readTopic(scope.target, records => records.length >= 1)
    assert.equal(done?.key, good.id)
    const [parked] = await readTopic(`${scope.source}.dlq`, records => records.length >= 1)
    assert.equal(parked?.key, 'poison')
    assert.equal(parked?.headers['x-dlq-error-code'], 'INVALID_INPUT')
    assert.equal(parked?.headers['x-dlq-error-field'], 'value.id')
    await eventually(async () => assert.equal(await metric(url, 'ripple_job_create_to_finish_seconds_count'), 1))
  })
})
