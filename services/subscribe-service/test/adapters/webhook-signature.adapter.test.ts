import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { newWebhookSecret, signWebhook } from '../../src/adapters/webhook-signature.adapter.ts'

describe('Standard Webhooks signature', () => {
  it('matches the specification\'s example (secret, msg id, timestamp, payload → v1 signature)', () => {
    const signed = signWebhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')
    assert.deepEqual(signed, {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
    })
  })

  it('makes a new whsec_ secret of 32 random bytes each time', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()]
    assert.match(a, /^whsec_[A-Za-z0-9+/]{43}=$/)
    assert.equal(Buffer.from(a.slice(6), 'base64').length, 32)
    assert.notEqual(a, b)
  })
})
