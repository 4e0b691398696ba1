import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadConfig } from '@ripple/kit'
import { notificationServiceConfigSchema } from '../src/config.ts'

const SECRET = 'a-confirmation-secret-of-32-chars-at-least'

describe('notification-service config', () => {
  it('needs CONFIRMATION_SECRET; USER_SERVICE_URL defaults to the local user-service', () => {
    assert.throws(() => loadConfig(notificationServiceConfigSchema, {}), /CONFIRMATION_SECRET/)
    const config = loadConfig(notificationServiceConfigSchema, { CONFIRMATION_SECRET: SECRET })
    assert.equal(config.USER_SERVICE_URL, 'http://127.0.0.1:8085')
    assert.throws(() => loadConfig(notificationServiceConfigSchema, { CONFIRMATION_SECRET: SECRET, USER_SERVICE_URL: 'javascript:alert(1)' }), /USER_SERVICE_URL/)
  })

  it('handles many users of a partition at once, with SMTP connections and consumer tuning to match', () => {
    const config = loadConfig(notificationServiceConfigSchema, { CONFIRMATION_SECRET: SECRET })
    assert.ok(config.CONCURRENCY_PER_PARTITION > 1)
    assert.ok(config.SMTP_POOL_SIZE > 5)
    assert.equal(config.KAFKA_COMMIT_INTERVAL_MS, 200)
    assert.equal(config.KAFKA_SESSION_TIMEOUT_MS, 10_000)
    assert.throws(() => loadConfig(notificationServiceConfigSchema, { CONFIRMATION_SECRET: SECRET, CONCURRENCY_PER_PARTITION: '0' }), /CONCURRENCY_PER_PARTITION/)
  })
})
