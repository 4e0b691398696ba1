// Fuzz: receiver in-process on a topic of its own, 1,000 generated requests (FUZZ_SEED / FUZZ_RUNS to replay).
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import assert from 'node:assert/strict'
import { deleteTopics, readTopic, testConfig, unique } from '@ripple/testing'
import { createReceiverService } from '@ripple/receiver'
import { receiverConfigSchema } from '@ripple/receiver/config'
import { answerJson, assertHealthy, assertNoFailures, describeRequest, fuzz, pathOf, requests, sentJson } from './fuzz.support.ts'
import type { FuzzAnswer, FuzzFailure, FuzzRequest, RouteSpec } from './fuzz.support.ts'

describe('receiver under fuzzed requests', () => {
  const topic = unique('test.fuzz.receiver.')
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

  const routes: RouteSpec[] = [
    {
      name: 'POST /create/job',
      method: 'POST',
      path: pathOf('/create/job', '/create/job/', '/create//job', '/CREATE/JOB', '/create/job%00', '/create/%6aob'),
      body: fc.record({ sleep: fc.integer({ min: 0, max: 60_000 }), data_size: fc.integer({ min: 0, max: 65_536 }) }, { requiredKeys: [] })
    },
    { name: 'GET /health|/metrics|/create', method: 'GET', path: fc.constantFrom('/health', '/metrics', '/create'), weight: 1 }
  ]

  it('answers every request with a 2xx or a JSON 4xx, and stays healthy', async t => {
    // A job is stored in Kafka: each accepted one is looked for on the topic once the run is over
    // (one read of the topic, not one per job), with the sleep and data size asked for (its data
    // is hex: two characters a byte).
    const accepted: Array<{ r: FuzzRequest, job: { id: string, create_date: string, sleep: number, data_size: number } }> = []
    const readBack = async (r: FuzzRequest, answer: FuzzAnswer) => {
      const job = answerJson(answer) as { id: string, create_date: string, sleep: number, data_size: number }
      const sent = (sentJson(r) ?? {}) as { sleep?: number, data_size?: number }
      assert.deepEqual([job.sleep, job.data_size], [sent.sleep ?? 100, sent.data_size ?? 1024], 'the answer echoes what was asked (or the defaults)')
      accepted.push({ r, job })
    }
    const afterRun = async (): Promise<FuzzFailure[]> => {
      const ids = new Set(accepted.map(a => a.job.id))
      const records = await readTopic(topic, seen => seen.filter(x => x.key !== null && ids.has(x.key)).length >= ids.size, 120_000)
      const byId = new Map(records.map(x => [x.key, x]))
      const failures: FuzzFailure[] = []
      for (const { r, job } of accepted) {
        const record = byId.get(job.id)
        const stored = record?.value ? JSON.parse(record.value) as { id: string, create_date: string, sleep: number, data: string } : undefined
        const same = stored && stored.id === job.id && stored.create_date === job.create_date && stored.sleep === job.sleep && /^([0-9a-f]{2})*$/.test(stored.data) && stored.data.length === 2 * job.data_size
        if (!same) failures.push({ path: 'after run', request: describeRequest(r), problem: `read back: on the topic ${JSON.stringify(stored && { ...stored, data: `${stored.data.length} chars` })}, answered ${JSON.stringify(job)}` })
      }
      return failures
    }
    const report = await fuzz({ name: 'receiver', base, arbitrary: requests(routes, {}), readBack, afterRun, log: line => t.diagnostic(line) })
    await assertHealthy(base)
    assertNoFailures(report)
  })
})
