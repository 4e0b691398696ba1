import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import type { Caller } from '@ripple/kit'
import { createMemoryAttemptLimiter, createProgressiveDelayLimiter } from '../../src/adapters/memory-attempt-limiter.adapter.ts'
import { makePasswordAttempts } from '../../src/interactors/password-attempts.rules.ts'
import { InvalidCredentialsError, TooManyAttemptsError } from '../../src/entities/user.errors.ts'
import { makeSignIn } from '../../src/interactors/sign-in.interactor.ts'
import type { SignIn } from '../../src/interactors/sign-in.interactor.ts'
import type { PasswordHasher } from '../../src/ports/password-hasher.port.ts'
import { fakeHasher } from '../fakes/fake-password-hasher.ts'
import { seedUser } from '../fakes/fixtures.ts'
import { InMemoryUserRepository } from '../fakes/in-memory-user.repository.ts'

const ADMIN_KEY = 'a'.repeat(40)
const tokens = { issue: async (caller: Caller) => ({ accessToken: JSON.stringify(caller), tokenType: 'Bearer' as const, expiresIn: 900 }) }

describe('sign-in', () => {
  let repo: InMemoryUserRepository
  let signIn: SignIn
  let verified: string[]
  let clock: { now: () => number, advance: (ms: number) => void }

  beforeEach(async () => {
    repo = new InMemoryUserRepository()
    await seedUser(repo) // alice / alice@example.com, password old-password
    verified = []
    let t = 1_000_000
    clock = { now: () => t, advance: ms => { t += ms } }
    const hasher: PasswordHasher = { ...fakeHasher, verify: async (p, stored) => { verified.push(stored); return fakeHasher.verify(p, stored) } }
    signIn = makeSignIn({
      users: repo,
      hasher,
      tokens,
      attempts: makePasswordAttempts({
        accounts: createProgressiveDelayLimiter({ baseSeconds: 1, maxSeconds: 8, forgetAfterSeconds: 3600, now: clock.now }),
        addresses: createMemoryAttemptLimiter({ maxFailures: 10, windowSeconds: 60, now: clock.now })
      }),
      adminKey: ADMIN_KEY
    })
  })

  it('answers a user token for the right password, by username or email in any case', async () => {
    for (const login of [{ username: 'alice' }, { username: 'ALICE' }, { email: 'Alice@Example.com' }]) {
      const result = await signIn({ ...login, password: 'old-password' }, '10.0.0.1')
      assert.ok(result.ok)
      assert.deepEqual(JSON.parse(result.value.accessToken), { role: 'user', userId: '11111111-1111-4111-8111-111111111111' })
    }
  })

  it('answers an admin token for the admin key only', async () => {
    const result = await signIn({ adminKey: ADMIN_KEY }, '10.0.0.1')
    assert.ok(result.ok && JSON.parse(result.value.accessToken).role === 'admin')
    const wrong = await signIn({ adminKey: `${ADMIN_KEY}b` }, '10.0.0.1')
    assert.ok(!wrong.ok && wrong.error instanceof InvalidCredentialsError)
  })

  it('wrong admin keys never lock the admin out from another address', async () => {
    for (let i = 0; i < 9; i++) await signIn({ adminKey: `wrong-${i}` }, '10.0.0.66')
    assert.ok((await signIn({ adminKey: ADMIN_KEY }, '10.0.0.67')).ok)
  })

  it('a wrong password and an unknown user are the same error, and both verify a hash', async () => {
    const wrong = await signIn({ username: 'alice', password: 'nope' }, '10.0.0.1')
    const unknown = await signIn({ username: 'nobody', password: 'nope' }, '10.0.0.1')
    assert.ok(!wrong.ok && !unknown.ok)
    assert.deepEqual([wrong.error.code, wrong.error.message], [unknown.error.code, unknown.error.message])
    assert.equal(verified.length, 2, 'one verification each')
  })

  it('each failure of an account from a client doubles the wait before its next attempt (1, 2, 4, 8 s, capped), by username or email alike; never a lockout', async () => {
    const waits: number[] = []
    for (let i = 0; i < 5; i++) {
      const failed = await signIn(i % 2 ? { email: 'alice@example.com', password: 'x' } : { username: 'Alice', password: 'x' }, '10.0.0.1')
      assert.ok(!failed.ok && failed.error instanceof InvalidCredentialsError)
      const early = await signIn({ username: 'alice', password: 'old-password' }, '10.0.0.1')
      assert.ok(!early.ok && early.error instanceof TooManyAttemptsError, 'the right password too must wait')
      waits.push(early.error.retryAfterSeconds)
      clock.advance(early.error.retryAfterSeconds * 1000)
    }
    assert.deepEqual(waits, [1, 2, 4, 8, 8])
    const verifications = verified.length
    assert.ok((await signIn({ username: 'alice', password: 'old-password' }, '10.0.0.1')).ok, 'after the wait the owner signs in')
    assert.equal(verified.length, verifications + 1)
  })

  it('a stranger failing from another client does not slow the owner down', async () => {
    for (let i = 0; i < 8; i++) {
      clock.advance(10_000)
      await signIn({ username: 'alice', password: `guess-${i}` }, '10.6.6.6')
    }
    const stranger = await signIn({ username: 'alice', password: 'guess' }, '10.6.6.6')
    assert.ok(!stranger.ok && stranger.error instanceof TooManyAttemptsError)
    assert.ok((await signIn({ username: 'alice', password: 'old-password' }, '10.0.0.1')).ok)
  })

  it('an attempt made while waiting is refused untried and does not lengthen the wait', async () => {
    await signIn({ username: 'alice', password: 'x' }, '10.0.0.1')
    const before = verified.length
    for (let i = 0; i < 5; i++) {
      const early = await signIn({ username: 'alice', password: 'y' }, '10.0.0.1')
      assert.ok(!early.ok && early.error instanceof TooManyAttemptsError && early.error.retryAfterSeconds === 1)
    }
    assert.equal(verified.length, before, 'no hash verified while waiting')
  })

  it('a success forgets the account\'s failures', async () => {
    for (let round = 0; round < 3; round++) {
      await signIn({ username: 'alice', password: 'x' }, '10.0.0.1')
      const early = await signIn({ username: 'alice', password: 'x' }, '10.0.0.1')
      assert.ok(!early.ok && early.error instanceof TooManyAttemptsError && early.error.retryAfterSeconds === 1, 'each round starts again at the first wait')
      clock.advance(1000)
      assert.ok((await signIn({ username: 'alice', password: 'old-password' }, '10.0.0.1')).ok)
    }
  })

  it('a hash made under old parameters is replaced at a successful sign-in, and only then', async () => {
    await seedUser(repo, { id: '33333333-3333-4333-8333-333333333333', username: 'bob', email: 'bob@example.com' }, 'weak:bob-password')
    assert.ok(!(await signIn({ username: 'bob', password: 'wrong' }, '10.0.0.1')).ok)
    assert.equal(repo.passwordHashOf('33333333-3333-4333-8333-333333333333'), 'weak:bob-password')
    assert.ok((await signIn({ username: 'bob', password: 'bob-password' }, '10.0.0.2')).ok)
    assert.equal(repo.passwordHashOf('33333333-3333-4333-8333-333333333333'), 'hashed:bob-password')
    assert.ok((await signIn({ username: 'bob', password: 'bob-password' }, '10.0.0.2')).ok)
  })

  it('locks an address after 10 failures whatever the accounts', async () => {
    for (let i = 0; i < 10; i++) await signIn({ username: `nobody${i}`, password: 'x' }, '10.0.0.9')
    const locked = await signIn({ username: 'alice', password: 'old-password' }, '10.0.0.9')
    assert.ok(!locked.ok && locked.error instanceof TooManyAttemptsError)
    assert.ok((await signIn({ username: 'alice', password: 'old-password' }, '10.0.0.8')).ok)
  })
})
