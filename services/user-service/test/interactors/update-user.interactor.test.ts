import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import type { User } from '../../src/entities/user.entity.ts'
import {
  CurrentPasswordRequiredError, DuplicateUserError, InvalidUserError, TokenRevokedError, TooManyAttemptsError, UserNotFoundError, WrongCurrentPasswordError
} from '../../src/entities/user.errors.ts'
import { createMemoryAttemptLimiter, createProgressiveDelayLimiter } from '../../src/adapters/memory-attempt-limiter.adapter.ts'
import { makePasswordAttempts } from '../../src/interactors/password-attempts.rules.ts'
import { makeUpdateUser } from '../../src/interactors/update-user.interactor.ts'
import type { PasswordAttempts } from '../../src/interactors/password-attempts.rules.ts'
import type { UpdateUser } from '../../src/interactors/update-user.interactor.ts'
import { fakeHasher } from '../fakes/fake-password-hasher.ts'
import { fakeClock, seedUser } from '../fakes/fixtures.ts'
import { InMemoryUserRepository } from '../fakes/in-memory-user.repository.ts'

const owner = { clientAddress: '10.0.0.1', asAdmin: false }
const ownerWith = (currentPassword: string) => ({ clientAddress: '10.0.0.1', asAdmin: false, currentPassword })
const admin = { clientAddress: '10.0.0.1', asAdmin: true }
const NOW = new Date('2024-06-01T12:00:00.000Z')

describe('update-user', () => {
  let repo: InMemoryUserRepository
  let updateUser: UpdateUser
  let attempts: PasswordAttempts
  let alice: User
  const clock = fakeClock('2024-06-01T12:00:00.000Z')

  beforeEach(async () => {
    repo = new InMemoryUserRepository()
    attempts = makePasswordAttempts({
      accounts: createProgressiveDelayLimiter({ baseSeconds: 1, maxSeconds: 60, forgetAfterSeconds: 3600, now: () => clock.now().getTime() }),
      addresses: createMemoryAttemptLimiter({ maxFailures: 1000, windowSeconds: 60 })
    })
    updateUser = makeUpdateUser({ users: repo, hasher: fakeHasher, attempts, now: clock.now })
    alice = await seedUser(repo, { status: 'Confirmed' }) // password: old-password
  })

  it('an owner\'s token signed before the last password change is refused on the row it would write, and writes nothing', async () => {
    const changed = await updateUser(alice.id, { password: 'a new password' }, ownerWith('old-password'))
    assert.ok(changed.ok)
    const changedAt = changed.value.passwordChangedAt!.getTime()
    const writes = repo.writes
    const stale = await updateUser(alice.id, { fullName: 'Stale' }, { clientAddress: '10.0.0.1', asAdmin: false, tokenIssuedAtMs: changedAt - 1 })
    assert.ok(!stale.ok && stale.error instanceof TokenRevokedError)
    assert.equal(repo.writes, writes)
    const fresh = await updateUser(alice.id, { fullName: 'Fresh' }, { clientAddress: '10.0.0.1', asAdmin: false, tokenIssuedAtMs: changedAt })
    assert.ok(fresh.ok)
    assert.equal(fresh.value.fullName, 'Fresh')
  })

  it('saves the new values of the given fields, keeps the others, and moves lastUpdated', async () => {
    const result = await updateUser(alice.id, { fullName: 'Alice Smith', address: '2 High St' }, owner)
    const expected = { ...alice, fullName: 'Alice Smith', address: '2 High St', lastUpdated: NOW }
    assert.deepEqual(result, { ok: true, value: expected })
    assert.deepEqual(await repo.findById(alice.id), expected)
  })

  it('changes every updatable field, null clears an optional one, a new email sets Unconfirmed', async () => {
    const result = await updateUser(alice.id, { username: 'alice2', email: 'alice2@example.com', fullName: null, dateOfBirth: '1991-02-03', address: null }, ownerWith('old-password'))
    assert.ok(result.ok)
    assert.deepEqual(
      { ...result.value, createdAt: undefined, lastUpdated: undefined },
      { id: alice.id, username: 'alice2', email: 'alice2@example.com', fullName: null, dateOfBirth: '1991-02-03', address: null, status: 'Unconfirmed', passwordChangedAt: null, createdAt: undefined, lastUpdated: undefined }
    )
  })

  it('stores a new password as a hash, sets passwordChangedAt, and never returns it', async () => {
    const result = await updateUser(alice.id, { password: 'new password' }, ownerWith('old-password'))
    assert.ok(result.ok)
    assert.equal(repo.passwordHashOf(alice.id), 'hashed:new password')
    assert.deepEqual(result.value.passwordChangedAt, NOW)
    assert.equal(result.value.status, 'Confirmed')
    assert.ok(!JSON.stringify(result.value).includes('new password'))
  })

  it('needs the current password to change email or password; a wrong one changes nothing', async () => {
    for (const changes of [{ password: 'new password' }, { email: 'new@example.com' }]) {
      const missing = await updateUser(alice.id, changes, owner)
      assert.ok(!missing.ok && missing.error instanceof CurrentPasswordRequiredError)
      const wrong = await updateUser(alice.id, changes, ownerWith('not-the-password'))
      assert.ok(!wrong.ok && wrong.error instanceof WrongCurrentPasswordError)
      clock.advance(60_000) // past the wait that failure set
    }
    assert.deepEqual(await repo.findById(alice.id), alice)
    assert.equal(repo.passwordHashOf(alice.id), 'hashed:old-password')
    assert.equal(repo.writes, 1)
  })

  it('an admin changes email and password without the current password', async () => {
    const result = await updateUser(alice.id, { email: 'new@example.com', password: 'admin-set password' }, admin)
    assert.ok(result.ok)
    assert.equal(result.value.email, 'new@example.com')
    assert.equal(repo.passwordHashOf(alice.id), 'hashed:admin-set password')
  })

  it('other fields, and the email it already has, need no current password', async () => {
    assert.ok((await updateUser(alice.id, { fullName: 'New', email: alice.email }, owner)).ok)
  })

  it('writes nothing when no field is given or every value is the stored one', async () => {
    assert.deepEqual(await updateUser(alice.id, { fullName: undefined }, owner), { ok: true, value: alice })
    const same = { username: alice.username, email: alice.email, fullName: alice.fullName, dateOfBirth: alice.dateOfBirth, address: alice.address }
    assert.deepEqual(await updateUser(alice.id, same, owner), { ok: true, value: alice })
    assert.deepEqual(await updateUser(alice.id, { password: 'old-password' }, ownerWith('old-password')), { ok: true, value: alice })
    assert.deepEqual(await updateUser(alice.id, { password: 'old-password' }, admin), { ok: true, value: alice })
    assert.equal(repo.writes, 1) // the seed's insert only
  })

  it('returns UserNotFoundError for an unknown id, with or without changes', async () => {
    for (const changes of [{ fullName: 'x' }, {}]) {
      const result = await updateUser('22222222-2222-4222-8222-222222222222', changes, owner)
      assert.ok(!result.ok)
      assert.ok(result.error instanceof UserNotFoundError)
    }
  })

  it('returns DuplicateUserError when the new username or email belongs to someone else, in any case', async () => {
    await seedUser(repo, { id: '33333333-3333-4333-8333-333333333333', username: 'bob', email: 'bob@example.com' })
    const name = await updateUser(alice.id, { username: 'BOB' }, owner)
    assert.ok(!name.ok && name.error instanceof DuplicateUserError && name.error.field === 'username')
    const email = await updateUser(alice.id, { email: 'Bob@Example.com' }, ownerWith('old-password'))
    assert.ok(!email.ok && email.error instanceof DuplicateUserError && email.error.field === 'email')
    assert.deepEqual(await repo.findById(alice.id), alice)
  })

  it('keeps its own username when asked to set it again, or in another case', async () => {
    assert.ok((await updateUser(alice.id, { username: 'alice' }, owner)).ok)
    const recased = await updateUser(alice.id, { username: 'ALICE' }, owner)
    assert.ok(recased.ok && recased.value.username === 'ALICE')
  })

  it('refuses a short password or a future birth date and changes nothing', async () => {
    const short = await updateUser(alice.id, { password: 'short', fullName: 'x' }, ownerWith('old-password'))
    assert.ok(!short.ok && short.error instanceof InvalidUserError && short.error.field === 'password')
    const future = await updateUser(alice.id, { dateOfBirth: '2030-01-01' }, owner)
    assert.ok(!future.ok && future.error instanceof InvalidUserError && future.error.field === 'dateOfBirth')
    assert.deepEqual(await repo.findById(alice.id), alice)
    assert.equal(repo.passwordHashOf(alice.id), 'hashed:old-password')
  })

  it('a wrong currentPassword is a failed attempt of the account: the next check from that client waits, the right one after the wait succeeds and forgets it', async () => {
    const wrong = await updateUser(alice.id, { email: 'new@example.com' }, ownerWith('not-it'))
    assert.ok(!wrong.ok && wrong.error instanceof WrongCurrentPasswordError)
    assert.equal(attempts.wait(`user:${alice.id}`, '10.0.0.1'), 1, 'counted where a sign-in of the account is')
    const early = await updateUser(alice.id, { email: 'new@example.com' }, ownerWith('old-password'))
    assert.ok(!early.ok && early.error instanceof TooManyAttemptsError)
    assert.equal(early.error.retryAfterSeconds, 1)
    assert.equal((await updateUser(alice.id, { fullName: 'No password needed' }, owner)).ok, true, 'changes that need no password are not held up')
    clock.advance(1000)
    const right = await updateUser(alice.id, { email: 'new@example.com' }, ownerWith('old-password'))
    assert.ok(right.ok)
    assert.equal(attempts.wait(`user:${alice.id}`, '10.0.0.1'), 0)
  })
})
