import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { UserNotFoundError } from '../../src/entities/user.errors.ts'
import { makeDeleteUser } from '../../src/interactors/delete-user.interactor.ts'
import { seedUser } from '../fakes/fixtures.ts'
import { InMemoryUserRepository } from '../fakes/in-memory-user.repository.ts'

describe('delete-user', () => {
  it('removes the user; a second delete finds nothing', async () => {
    const repo = new InMemoryUserRepository()
    const alice = await seedUser(repo)
    const deleteUser = makeDeleteUser({ users: repo })

    assert.deepEqual(await deleteUser(alice.id), { ok: true, value: undefined })
    assert.equal(await repo.findById(alice.id), undefined)

    const again = await deleteUser(alice.id)
    assert.ok(!again.ok)
    assert.ok(again.error instanceof UserNotFoundError)
  })
})
