// Integration: the service on a free port against the real Kafka, publishing to a topic of its own.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { deleteTopics, readTopic, testConfig, unique } from '@ripple/testing'
import { createReceiverService } from '../src/app.ts'
import { receiverConfigSchema } from '../src/config.ts'

describe('receiver (real Kafka)', () => {
  const topic = unique('test.receiver.')
  let service: ReturnType<typeof createReceiverService>
  let base: string

  before(async () => {
    service = createReceiverService(testConfig(receiverConfigSchema, { TOPIC: topic }))
    base = (await service.start()).url
  })
  after(async () => {
    await service.stop()
    await deleteTopics([topic])
  })

  it('answers each job once Kafka has it: the seed\'s record on the topic, keyed by the job id', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      fetch(`${base}/create/job`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sleep: i, data_size: 8 }) }).then(async r => {
        assert.equal(r.status, 200)
        return await r.json() as { id: string, create_date: string, sleep: number, data_size: number }
      })))
    const records = await readTopic(topic, rs => rs.length >= 50)
    assert.equal(records.length, 50)
    for (const answer of answers) {
      const record = records.find(r => r.key === answer.id)
      assert.ok(record, `job ${answer.id} is on the topic`)
      const job = JSON.parse(record.value ?? '{}')
      assert.deepEqual(Object.keys(job), ['id', 'create_date', 'sleep', 'data'])
      assert.equal(job.id, answer.id)
      assert.equal(job.create_date, answer.create_date)
      assert.equal(job.sleep, answer.sleep)
      assert.match(job.data, /^[0-9a-f]{16}$/)
    }
    assert.equal(new Set(answers.map(a => a.id)).size, 50)
  })

  it('answers /health from the host', async () => {
    const res = await fetch(`${base}/health`)
    assert.equal(res.status, 200)
    assert.equal((await res.json() as { status: string }).status, 'ok')
  })

  it('exports the jobs it created in /metrics', async () => {
    const metrics = await (await fetch(`${base}/metrics`)).text()
    assert.match(metrics, /ripple_jobs_created_total\{service="receiver"\} 50/)
    assert.match(metrics, /ripple_http_requests_total\{[^}]*route="\/create\/job"[^}]*status="200"[^}]*\} 50/)
  })
})
