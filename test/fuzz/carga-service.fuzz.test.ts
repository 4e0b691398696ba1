// Fuzz: carga-service in-process on a topic and group of its own (its Cassandra keyspace is the
// stack's, ids unique to this run), 1,000 generated requests (FUZZ_SEED / FUZZ_RUNS to replay).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { CARGA_LIMITS } from '@ripple/contracts'
import type { RippleService } from '@ripple/kit'
import { deleteTopics, eventually, testConfig, unique } from '@ripple/testing'
import { createCargaService } from '@ripple/carga-service'
import { cargaConfigSchema } from '@ripple/carga-service/config'
import { answerJson, assertHealthy, assertNoFailures, describeRequest, fuzz, fuzzString, idSegment, pathOf, readJson, requests, sentJson } from './fuzz.support.ts'
import type { FuzzAnswer, FuzzFailure, FuzzRequest, RouteSpec } from './fuzz.support.ts'

interface CargaJson { id: string, valor: string, requestId: string, acceptedAt: string }

describe('carga-service under fuzzed requests', () => {
  const topic = unique('test.fuzz.carga.')
  const run = unique('fz')
  let service: RippleService
  let base: string

  before(async () => {
    service = createCargaService(testConfig(cargaConfigSchema, { TOPIC: topic, GROUP_ID: unique('test-fuzz-carga-'), KAFKA_COMMIT_INTERVAL_MS: '0' }))
    base = (await service.start()).url
  })
  after(async () => {
    await service.stop()
    await deleteTopics([topic, `${topic}.dlq`])
  })

  it('answers every request with a 2xx or a JSON 4xx, stores each accepted carga exactly, and stays healthy', async t => {
    // Ids of this run (so rows of other runs never answer), a few reused so updates and repeats
    // happen, and near misses of the limits; values of any text, up to the limit and past it.
    const ids = fc.constantFrom(...Array.from({ length: 8 }, (_, i) => `${run}-${i}`))
    const id = fc.oneof(
      { weight: 4, arbitrary: ids },
      { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).map(s => `${run}${s}`) },
      { weight: 1, arbitrary: fc.constantFrom('', '\u0000', `${run}\u0000`, 'x'.repeat(CARGA_LIMITS.id.max), 'x'.repeat(CARGA_LIMITS.id.max + 1), `${run}😀`, `${run}\ud800`) },
      { weight: 1, arbitrary: fuzzString }
    )
    const valor = fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
      { weight: 2, arbitrary: fuzzString },
      { weight: 1, arbitrary: fc.constantFrom('', 'Teste de integração', 'x'.repeat(CARGA_LIMITS.valor.max), 'x'.repeat(CARGA_LIMITS.valor.max + 1), 'a\u0000b', 'e\u0301', '\ud800') }
    )
    const routes: RouteSpec[] = [
      { name: 'POST /carga', method: 'POST', path: pathOf('/carga', '/carga/', '/Carga', '/carga//'), body: fc.record({ id, valor }, { requiredKeys: [] }), weight: 6 },
      { name: 'GET /carga/:id', method: 'GET', path: idSegment([ids, id]).map(i => `/carga/${i}`), weight: 3 },
      { name: 'GET /health|/metrics|/carga', method: 'GET', path: fc.constantFrom('/health', '/metrics', '/carga'), weight: 1 }
    ]

    // A carga reaches Cassandra through the topic: each accepted one is read back once the run is
    // over, as the last value accepted for its id (the answers show which one that is).
    const latest = new Map<string, { r: FuzzRequest, carga: CargaJson }>()
    const readBack = async (r: FuzzRequest, answer: FuzzAnswer) => {
      const carga = answerJson(answer) as CargaJson
      const sent = sentJson(r) as { id: string, valor: string }
      assert.deepEqual([carga.id, carga.valor], [sent.id, sent.valor], 'accepted as sent')
      latest.set(carga.id, { r, carga })
    }
    const afterRun = async (): Promise<FuzzFailure[]> => {
      const failures: FuzzFailure[] = []
      for (const { r, carga } of latest.values()) {
        try {
          await eventually(async () => {
            const stored = await readJson(base, `/carga/${encodeURIComponent(carga.id)}`)
            assert.equal(stored.status, 200, JSON.stringify(stored.body))
            // The load as accepted; where on the topic it is shows only once it is stored, so it is not compared.
            const asLoad = (c: CargaJson) => ({ id: c.id, valor: c.valor, requestId: c.requestId, acceptedAt: c.acceptedAt })
            assert.deepEqual(asLoad(stored.body as CargaJson), asLoad(carga))
          }, 60_000, 200)
        } catch (err) {
          failures.push({ path: 'after run', request: describeRequest(r), problem: `read back: ${(err as Error).message}` })
        }
      }
      return failures
    }
    const report = await fuzz({ name: 'carga-service', base, arbitrary: requests(routes, {}), readBack, afterRun, log: line => t.diagnostic(line) })
    t.diagnostic(`carga-service: ${latest.size} ids read back from Cassandra`)
    await assertHealthy(base)
    assertNoFailures(report)
  })
})
