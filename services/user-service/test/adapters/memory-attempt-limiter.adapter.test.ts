import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createMemoryAttemptLimiter, createProgressiveDelayLimiter } from '../../src/adapters/memory-attempt-limiter.adapter.ts'

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

describe('progressive delay limiter', () => {
  it('waits base·2^(k−1) after the k-th consecutive failure, up to the cap, counted from that failure', () => {
    const c = clock()
    const limiter = createProgressiveDelayLimiter({ baseSeconds: 1, maxSeconds: 10, forgetAfterSeconds: 3600, now: c.now })
    const waits = []
    for (let i = 0; i < 6; i++) {
      limiter.fail('a')
      waits.push(limiter.blockedFor('a'))
      c.advance(limiter.blockedFor('a') * 1000)
      assert.equal(limiter.blockedFor('a'), 0, 'free again once the wait has passed')
    }
    assert.deepEqual(waits, [1, 2, 4, 8, 10, 10])
    assert.equal(limiter.blockedFor('b'), 0)
  })

  it('forgets the failures on reset, and forgetAfterSeconds after the last one', () => {
    const c = clock()
    const limiter = createProgressiveDelayLimiter({ baseSeconds: 2, maxSeconds: 60, forgetAfterSeconds: 100, now: c.now })
    limiter.fail('a')
    limiter.fail('a')
    assert.equal(limiter.blockedFor('a'), 4)
    limiter.reset('a')
    assert.equal(limiter.blockedFor('a'), 0)
    limiter.fail('a')
    c.advance(100_000)
    limiter.fail('a')
    assert.equal(limiter.blockedFor('a'), 2, 'a failure after the forget time starts again at the base')
  })
})
