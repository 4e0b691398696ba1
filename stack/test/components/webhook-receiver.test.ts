// The stack's webhook receiver and the two local addresses subscribe-service may deliver to.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { serviceEnv } from '../../src/components/service.ts'
import { webhookReceiver } from '../../src/components/webhook-receiver.ts'
import { loadStackConfig } from '../../src/config.ts'
import { infrastructure } from '../../src/stack.ts'

test('the receiver listens on 8098 and the tests\' own on 8097 by default, each moved by its variable', () => {
  const defaults = loadStackConfig({})
  assert.deepEqual([defaults.ports.webhookReceiver, defaults.ports.webhookTest], [8098, 8097])
  const moved = loadStackConfig({ RIPPLE_WEBHOOK_RECEIVER_PORT: '18098', RIPPLE_WEBHOOK_TEST_PORT: '18097' })
  const spec = webhookReceiver(moved).process()
  assert.equal(spec.env?.WEBHOOK_RECEIVER_PORT, '18098')
  assert.deepEqual(webhookReceiver(moved).ports().map(p => p.port), [18098])
  assert.equal(spec.args.at(-1), join(moved.repoRoot, 'packages', 'webhook-receiver', 'src', 'main.ts'))
})

test('webhooks may reach the tests\' port first (test/e2e takes the first entry), then the receiver, and nothing else', () => {
  const config = loadStackConfig({ RIPPLE_WEBHOOK_RECEIVER_PORT: '18098', RIPPLE_WEBHOOK_TEST_PORT: '18097' })
  assert.equal(serviceEnv(config).WEBHOOK_ALLOWED_HOSTS, '127.0.0.1:18097,127.0.0.1:18098')
})

test('./ripple up starts it with the infrastructure, before the services', () => {
  assert.ok(infrastructure(loadStackConfig({})).some(c => c.name === 'webhook-receiver'))
})
