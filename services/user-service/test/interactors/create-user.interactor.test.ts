import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { DuplicateUserError, InvalidUserError } from '../../src/entities/user.errors.ts'
import { makeCreateUser } from '../../src/interactors/create-user.interactor.ts'
import type { CreateUser } from '../../src/interactors/create-user.interactor.ts'
import { fakeHasher } from '../fakes/fake-password-hasher.ts'
import { alice, fakeClock, sequentialIds } from '../fakes/fixtures.ts'
import { InMemoryUserRepository } from '../fakes/in-memory-user.repository.ts'

describe('create-user', () => {
  let repo: InMemoryUserRepository
  let createUser: CreateUser
  const clock = fakeClock('2024-06-01T12:00:00.000Z')

  beforeEach(() => {
    repo = new InMemoryUserRepository()
    createUser = makeCreateUser({ users: repo, hasher: fakeHasher, newId: sequentialIds(), now: clock.now })
  })

  it('stores the user with a new id, both timestamps now, and answers it', async () => {
    const result = await createUser({ username: 'alice', email: 'alice@example.com', password: 'correct horse', fullName: 'Alice Doe', dateOfBirth: '1990-05-01', address: '1 Main St' })
    assert.ok(result.ok)
    const now = new Date('2024-06-01T12:00:00.000Z')
    assert.deepEqual(result.value, alice({ id: '00000000-0000-4000-8000-000000000001', createdAt: now, lastUpdated: now }))
    assert.deepEqual(await repo.findById(result.value.id), result.value)
  })

  it('stores the hash of the password, never the password, and leaves it out of the user', async () => {
    const result = await createUser({ username: 'alice', email: 'alice@example.com', password: 'correct horse' })
    assert.ok(result.ok)
    assert.equal(repo.passwordHashOf(result.value.id), 'hashed:correct horse')
    assert.ok(!('password' in result.value))
    assert.ok(!JSON.stringify(result.value).includes('correct horse'))
  })

  it('defaults optional fields to null, status to Unconfirmed and passwordChangedAt to null', async () => {
    const plain = await createUser({ username: 'alice', email: 'alice@example.com', password: 'correct horse' })
    assert.ok(plain.ok)
    assert.deepEqual([plain.value.fullName, plain.value.dateOfBirth, plain.value.address, plain.value.status, plain.value.passwordChangedAt], [null, null, null, 'Unconfirmed', null])
  })

  it('takes usernames apart by every difference but case: emoji differ, Alice is alice', async () => {
    assert.ok((await createUser({ username: '😀_x', email: 'a@example.com', password: 'correct horse' })).ok)
    assert.ok((await createUser({ username: '😁_x', email: 'b@example.com', password: 'correct horse' })).ok)
    assert.ok((await createUser({ username: 'Alice', email: 'c@example.com', password: 'correct horse' })).ok)
    const same = await createUser({ username: 'alice', email: 'd@example.com', password: 'correct horse' })
    assert.ok(!same.ok && same.error instanceof DuplicateUserError && same.error.field === 'username')
  })

  it('returns DuplicateUserError naming username or email when either is taken', async () => {
    assert.ok((await createUser({ username: 'alice', email: 'alice@example.com', password: 'correct horse' })).ok)
    const sameName = await createUser({ username: 'alice', email: 'other@example.com', password: 'correct horse' })
    assert.ok(!sameName.ok)
    assert.ok(sameName.error instanceof DuplicateUserError)
    assert.equal(sameName.error.field, 'username')
    const sameEmail = await createUser({ username: 'other', email: 'alice@example.com', password: 'correct horse' })
    assert.ok(!sameEmail.ok)
    assert.ok(sameEmail.error instanceof DuplicateUserError)
    assert.equal(sameEmail.error.field, 'email')
    assert.equal(repo.rows.size, 1)
  })

  it('refuses a password shorter than 8 characters and stores nothing', async () => {
    const result = await createUser({ username: 'alice', email: 'alice@example.com', password: '1234567' })
    assert.ok(!result.ok)
    assert.ok(result.error instanceof InvalidUserError)
    assert.equal(result.error.field, 'password')
    assert.equal(repo.writes, 0)
    assert.ok((await createUser({ username: 'alice', email: 'alice@example.com', password: '12345678' })).ok)
  })

  it('refuses a birth date after today, and accepts today', async () => {
    const future = await createUser({ username: 'alice', email: 'alice@example.com', password: 'correct horse', dateOfBirth: '2024-06-02' })
    assert.ok(!future.ok)
    assert.ok(future.error instanceof InvalidUserError)
    assert.equal(future.error.field, 'dateOfBirth')
    assert.equal(repo.writes, 0)
    assert.ok((await createUser({ username: 'alice', email: 'alice@example.com', password: 'correct horse', dateOfBirth: '2024-06-01' })).ok)
  })
})
