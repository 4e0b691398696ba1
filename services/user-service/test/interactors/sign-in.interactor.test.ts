import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import type { Caller } from '@ripple/kit'
import { createMemoryAttemptLimiter } from '../../src/adapters/memory-attempt-limiter.adapter.ts'
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

  beforeEach(async () => {
    repo = new InMemoryUserRepository()
    await seedUser(repo) // alice / alice@example.com, password old-password
    verified = []
    const hasher: PasswordHasher = { hash: fakeHasher.hash, verify: async (p, stored) => { verified.push(stored); return fakeHasher.verify(p, stored) } }
    signIn = makeSignIn({
      users: repo,
      hasher,
      tokens,
      accounts: createMemoryAttemptLimiter({ maxFailures: 3, windowSeconds: 60 }),
      addresses: createMemoryAttemptLimiter({ maxFailures: 10, windowSeconds: 60 }),
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

  it('locks an account after 3 failures, named by username or email alike, even for the right password', async () => {
    await signIn({ username: 'alice', password: 'x' }, '10.0.0.1')
    await signIn({ email: 'alice@example.com', password: 'x' }, '10.0.0.2')
    await signIn({ username: 'Alice', password: 'x' }, '10.0.0.3')
    const locked = await signIn({ username: 'alice', password: 'old-password' }, '10.0.0.4')
    assert.ok(!locked.ok && locked.error instanceof TooManyAttemptsError)
    assert.equal(locked.error.retryAfterSeconds, 60)
  })

  it('a success forgets the account\'s failures', async () => {
    for (let round = 0; round < 3; round++) {
      await signIn({ username: 'alice', password: 'x' }, '10.0.0.1')
      await signIn({ username: 'alice', password: 'x' }, '10.0.0.1')
      assert.ok((await signIn({ username: 'alice', password: 'old-password' }, '10.0.0.1')).ok)
    }
  })

  it('locks an address after 10 failures whatever the accounts', async () => {
    for (let i = 0; i < 10; i++) await signIn({ username: `nobody${i}`, password: 'x' }, '10.0.0.9')
    const locked = await signIn({ username: 'alice', password: 'old-password' }, '10.0.0.9')
    assert.ok(!locked.ok && locked.error instanceof TooManyAttemptsError)
    assert.ok((await signIn({ username: 'alice', password: 'old-password' }, '10.0.0.8')).ok)
  })
})
