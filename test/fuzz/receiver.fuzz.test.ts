// Fuzz: receiver in-process on a topic of its own, 1,000 generated requests (FUZZ_SEED / FUZZ_RUNS to replay).
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { deleteTopics, testConfig, unique } from '@ripple/testing'
import { createReceiverService } from '../../services/receiver/src/app.ts'
import { receiverConfigSchema } from '../../services/receiver/src/config.ts'
import { assertHealthy, assertNoFailures, fuzz, pathOf, requests } from './fuzz.support.ts'
import type { RouteSpec } from './fuzz.support.ts'

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
    const report = await fuzz({ name: 'receiver', base, arbitrary: requests(routes, {}), log: line => t.diagnostic(line) })
    await assertHealthy(base)
    assertNoFailures(report)
  })
})
