import assert from 'node:assert/strict'
import { test } from 'node:test'
import { baseConfigSchema, consumerTuning, consumerTuningSchema, loadConfig } from '../../src/index.ts'

test('consumer tuning defaults, its per-service fetch defaults, and the runner options it stands for', () => {
  const tuning = loadConfig(consumerTuningSchema({ fetchMaxWaitMs: 50, fetchMinBytes: 65_536 }), { RETRY_MAX_MS: '20000' })
  assert.deepEqual(consumerTuning(tuning), {
    retry: { minTimeout: 500, maxTimeout: 20_000 },
    sessionTimeoutMs: 10_000,
    commitIntervalMs: 200,
    fetchMinBytes: 65_536,
    fetchMaxWaitMs: 50
  })
  assert.equal(loadConfig(consumerTuningSchema({ fetchMaxWaitMs: 500, fetchMinBytes: 1 }), {}).KAFKA_FETCH_MIN_BYTES, 1)
  assert.throws(() => loadConfig(consumerTuningSchema({ fetchMaxWaitMs: 20, fetchMinBytes: 1 }), { KAFKA_SESSION_TIMEOUT_MS: '100' }), /KAFKA_SESSION_TIMEOUT_MS/)
})

test('every service gets the consumer stall threshold, a minute unless set', () => {
  assert.equal(loadConfig(baseConfigSchema, {}).KAFKA_STALL_AFTER_MS, 60_000)
  assert.equal(loadConfig(baseConfigSchema, { KAFKA_STALL_AFTER_MS: '5000' }).KAFKA_STALL_AFTER_MS, 5000)
  assert.throws(() => loadConfig(baseConfigSchema, { KAFKA_STALL_AFTER_MS: '10' }), /KAFKA_STALL_AFTER_MS/)
})
