import assert from 'node:assert/strict'
import { test } from 'node:test'
import { consumerTuning, consumerTuningSchema, loadConfig } from '../../src/index.ts'

test('consumer tuning defaults, its one per-service default, and the runner options it stands for', () => {
  const tuning = loadConfig(consumerTuningSchema({ fetchMaxWaitMs: 50 }), { RETRIES: '2' })
  assert.deepEqual(consumerTuning(tuning), {
    retry: { retries: 2, minTimeout: 500, maxTimeout: 30_000 },
    sessionTimeoutMs: 10_000,
    commitIntervalMs: 200,
    fetchMinBytes: 65_536,
    fetchMaxWaitMs: 50
  })
  assert.throws(() => loadConfig(consumerTuningSchema({ fetchMaxWaitMs: 20 }), { KAFKA_SESSION_TIMEOUT_MS: '100' }), /KAFKA_SESSION_TIMEOUT_MS/)
})
