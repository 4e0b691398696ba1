import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DomainError } from '@ripple/kit/domain'
import { endpoints, loadStackConfig } from '../src/config.ts'
import { StackError } from '../src/errors.ts'

test('defaults give the documented ports and keep state under .ripple', () => {
  const config = loadStackConfig({})
  assert.deepEqual([config.ports.kafka, config.ports.connect, config.ports.mariadb, config.ports.postgres, config.ports.smtp], [9092, 8083, 3307, 5433, 1025])
  assert.match(config.paths.data, /\.ripple\/data$/)
  // One address per node: one unless this RIPPLE_HOME's last `up` recorded a cluster (stack/test/components/kafka.test.ts).
  assert.deepEqual(endpoints(config).kafkaBrokers, config.kafka.nodes.map((_, i) => `127.0.0.1:${9092 + 100 * i}`))
})

test('every port can be moved by its variable, and RIPPLE_* overrides reach child processes', () => {
  const config = loadStackConfig({ RIPPLE_MARIADB_PORT: '3310', RIPPLE_KAFKA_PORT: '19092', PATH: '/bin' })
  assert.equal(config.ports.mariadb, 3310)
  assert.equal(endpoints(config).mariadb.port, 3310)
  assert.equal(endpoints(config).kafkaBrokers[0], '127.0.0.1:19092')
  assert.deepEqual(config.childEnv, { RIPPLE_MARIADB_PORT: '3310', RIPPLE_KAFKA_PORT: '19092' })
})

test('a bad override stops with a sentence naming the variable', () => {
  assert.throws(() => loadStackConfig({ RIPPLE_POSTGRES_PORT: 'abc' }), /RIPPLE_POSTGRES_PORT/)
  assert.throws(() => loadStackConfig({ RIPPLE_SMTP_PORT: '70000' }), /RIPPLE_SMTP_PORT/)
})

test('a bad override is a StackError INVALID_ENV, which the CLI prints as it is', () => {
  assert.throws(() => loadStackConfig({ RIPPLE_KAFKA_PORT: '-1' }), (err: unknown) => err instanceof StackError && err.code === 'INVALID_ENV' && err instanceof DomainError)
})
