import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import type { User } from '../../src/entities/user.entity.ts'
import { DuplicateUserError, InvalidUserError, UserNotFoundError } from '../../src/entities/user.errors.ts'
import { makeUpdateUser } from '../../src/interactors/update-user.interactor.ts'
import type { UpdateUser } from '../../src/interactors/update-user.interactor.ts'
import { fakeHasher } from '../fakes/fake-password-hasher.ts'
import { fakeClock, seedUser } from '../fakes/fixtures.ts'
import { InMemoryUserRepository } from '../fakes/in-memory-user.repository.ts'

describe('update-user', () => {
  let repo: InMemoryUserRepository
  let updateUser: UpdateUser
  let alice: User
  const clock = fakeClock('2024-06-01T12:00:00.000Z')

  beforeEach(async () => {
    repo = new InMemoryUserRepository()
    updateUser = makeUpdateUser({ users: repo, hasher: fakeHasher, now: clock.now })
    alice = await seedUser(repo)
  })

  it('saves the new values of the given fields, keeps the others, and moves lastUpdated', async () => {
    const result = await updateUser(alice.id, { fullName: 'Alice Smith', address: '2 High St' })
    const expected = { ...alice, fullName: 'Alice Smith', address: '2 High St', lastUpdated: new Date('2024-06-01T12:00:00.000Z') }
    assert.deepEqual(result, { ok: true, value: expected })
    assert.deepEqual(await repo.findById(alice.id), expected)
  })

  it('changes every updatable field, and null clears an optional one', async () => {
    const result = await updateUser(alice.id, { username: 'alice2', email: 'alice2@example.com', fullName: null, dateOfBirth: '1991-02-03', address: null, status: 'Confirmed' })
    assert.ok(result.ok)
    assert.deepEqual(
      { ...result.value, createdAt: undefined, lastUpdated: undefined },
      { id: alice.id, username: 'alice2', email: 'alice2@example.com', fullName: null, dateOfBirth: '1991-02-03', address: null, status: 'Confirmed', createdAt: undefined, lastUpdated: undefined }
    )
  })

  it('stores a new password as a hash and never returns it', async () => {
    const result = await updateUser(alice.id, { password: 'new password' })
    assert.ok(result.ok)
    assert.equal(repo.passwordHashOf(alice.id), 'hashed:new password')
    assert.ok(!JSON.stringify(result.value).includes('new password'))
  })

  it('writes nothing when no field is given', async () => {
    const result = await updateUser(alice.id, { fullName: undefined })
    assert.deepEqual(result, { ok: true, value: alice })
    assert.equal(repo.writes, 1) // the seed's insert only
  })

  it('returns UserNotFoundError for an unknown id, with or without changes', async () => {
    for (const changes of [{ fullName: 'x' }, {}]) {
      const result = await updateUser('22222222-2222-4222-8222-222222222222', changes)
      assert.ok(!result.ok)
      assert.ok(result.error instanceof UserNotFoundError)
    }
  })

  it('returns DuplicateUserError when the new username or email belongs to someone else', async () => {
    await seedUser(repo, { id: '33333333-3333-4333-8333-333333333333', username: 'bob', email: 'bob@example.com' })
    const name = await updateUser(alice.id, { username: 'bob' })
    assert.ok(!name.ok && name.error instanceof DuplicateUserError && name.error.field === 'username')
    const email = await updateUser(alice.id, { email: 'bob@example.com' })
    assert.ok(!email.ok && email.error instanceof DuplicateUserError && email.error.field === 'email')
    assert.deepEqual(await repo.findById(alice.id), alice)
  })

  it('keeps its own username when asked to set it again', async () => {
    const result = await updateUser(alice.id, { username: 'alice' })
    assert.ok(result.ok)
  })

  it('refuses a short password or a future birth date and changes nothing', async () => {
    const short = await updateUser(alice.id, { password: 'short', fullName: 'x' })
    assert.ok(!short.ok && short.error instanceof InvalidUserError && short.error.field === 'password')
    const future = await updateUser(alice.id, { dateOfBirth: '2030-01-01' })
    assert.ok(!future.ok && future.error instanceof InvalidUserError && future.error.field === 'dateOfBirth')
    assert.deepEqual(await repo.findById(alice.id), alice)
    assert.equal(repo.passwordHashOf(alice.id), 'hashed:old-password')
  })
})
