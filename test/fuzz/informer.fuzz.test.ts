// Fuzz: informer in-process on topics, group and PostgreSQL database of its own, 1,000 generated requests.
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { deleteTopics, dropPostgresDatabase, testConfig, unique } from '@ripple/testing'
import { createInformerService } from '@ripple/informer'
import { informerConfigSchema } from '@ripple/informer/config'
import { assertHealthy, assertNoFailures, fuzz, idSegment, requests } from './fuzz.support.ts'
import type { FuzzRequest, RouteSpec } from './fuzz.support.ts'

describe('informer under fuzzed requests', () => {
  const scope = { created: unique('test.fuzz.informer.created.'), finished: unique('test.fuzz.informer.finished.'), groupId: unique('test-fuzz-informer-'), database: unique('test_fuzz_informer_') }
  let service: ReturnType<typeof createInformerService>
  let base: string

  before(async () => {
    service = createInformerService(testConfig(informerConfigSchema, { CREATED_TOPIC: scope.created, FINISHED_TOPIC: scope.finished, GROUP_ID: scope.groupId, POSTGRES_DATABASE: scope.database }))
    base = (await service.start()).url
  })
  after(async () => {
    await service.stop()
    await deleteTopics([scope.created, scope.finished, `${scope.created}.dlq`, `${scope.finished}.dlq`])
    await dropPostgresDatabase(scope.database)
  })

  it('answers every request with a 2xx or a JSON 4xx, and stays healthy', async t => {
    const uuids = [
      fc.uuid(), fc.uuid().map(u => u.toUpperCase()), fc.uuid().map(u => u.replaceAll('-', '')), fc.uuid().map(u => `{${u}}`), fc.uuid().map(u => `${u}%00`),
      fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'b31b7446-20f7-4add-adea-157bac7fe73', 'b31b7446-20f7-4add-adea-157bac7fe73g')
    ]
    const routes: RouteSpec[] = [
      { name: 'GET /info/:id', method: 'GET', path: idSegment(uuids).map(id => `/info/${id}`), weight: 8 },
      { name: 'GET /health|/metrics|/info', method: 'GET', path: fc.constantFrom('/health', '/metrics', '/info', '/info/'), weight: 1 }
    ]
    // informer serves reads only: a write it accepted would be the failure.
    const readBack = async (r: FuzzRequest) => { throw new Error(`${r.method} accepted by a service that serves no writes`) }
    const report = await fuzz({ name: 'informer', base, arbitrary: requests(routes, {}), readBack, log: line => t.diagnostic(line) })
    await assertHealthy(base)
    assertNoFailures(report)
  })
})
