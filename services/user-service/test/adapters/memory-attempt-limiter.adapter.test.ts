import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createMemoryAttemptLimiter } from '../../src/adapters/memory-attempt-limiter.adapter.ts'

function clock () {
  let t = 1_000_000
  return { now: () => t, advance: (ms: number) => { t += ms } }
}

describe('memory attempt limiter', () => {
  it('blocks a key after maxFailures within the window, for the window from the last failure', () => {
    const c = clock()
    const limiter = createMemoryAttemptLimiter({ maxFailures: 3, windowSeconds: 60, now: c.now })
    for (let i = 0; i < 2; i++) limiter.fail('a')
    assert.equal(limiter.blockedFor('a'), 0)
    c.advance(10_000)
    limiter.fail('a')
    assert.equal(limiter.blockedFor('a'), 60)
    assert.equal(limiter.blockedFor('b'), 0)
    c.advance(59_500)
    assert.equal(limiter.blockedFor('a'), 1)
    c.advance(600)
    assert.equal(limiter.blockedFor('a'), 0)
  })

  it('forgets failures older than the window, and all of them on reset', () => {
    const c = clock()
    const limiter = createMemoryAttemptLimiter({ maxFailures: 2, windowSeconds: 60, now: c.now })
    limiter.fail('a')
    c.advance(61_000)
    limiter.fail('a')
    assert.equal(limiter.blockedFor('a'), 0)
    limiter.fail('a')
    assert.ok(limiter.blockedFor('a') > 0)
    limiter.reset('a')
    assert.equal(limiter.blockedFor('a'), 0)
  })

  it('keeps at most maxKeys keys, forgetting the least recently failed', () => {
    const limiter = createMemoryAttemptLimiter({ maxFailures: 1, windowSeconds: 60, maxKeys: 2 })
    limiter.fail('a')
    limiter.fail('b')
    limiter.fail('c')
    assert.deepEqual(['a', 'b', 'c'].map(k => limiter.blockedFor(k) > 0), [false, true, true])
  })
})
