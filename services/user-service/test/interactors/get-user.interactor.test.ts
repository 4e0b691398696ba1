import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { UserNotFoundError } from '../../src/entities/user.errors.ts'
import { makeGetUser } from '../../src/interactors/get-user.interactor.ts'
import { seedUser } from '../fakes/fixtures.ts'
import { InMemoryUserRepository } from '../fakes/in-memory-user.repository.ts'

describe('get-user', () => {
  it('answers the stored user', async () => {
    const repo = new InMemoryUserRepository()
    const alice = await seedUser(repo)
    const result = await makeGetUser({ users: repo })(alice.id)
    assert.deepEqual(result, { ok: true, value: alice })
  })

  it('returns UserNotFoundError for an unknown id', async () => {
    const repo = new InMemoryUserRepository()
    await seedUser(repo)
    const result = await makeGetUser({ users: repo })('22222222-2222-4222-8222-222222222222')
    assert.ok(!result.ok)
    assert.ok(result.error instanceof UserNotFoundError)
    assert.equal(result.error.id, '22222222-2222-4222-8222-222222222222')
  })
})
