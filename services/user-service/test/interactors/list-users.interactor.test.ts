import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeListUsers } from '../../src/interactors/list-users.interactor.ts'
import { seedUser } from '../fakes/fixtures.ts'
import { InMemoryUserRepository } from '../fakes/in-memory-user.repository.ts'

describe('list-users', () => {
  it('answers one page, oldest first, with the limit, offset and total', async () => {
    const repo = new InMemoryUserRepository()
    for (let i = 0; i < 5; i++) {
      await seedUser(repo, { id: `00000000-0000-4000-8000-00000000000${i}`, username: `user${i}`, email: `user${i}@example.com`, createdAt: new Date(Date.UTC(2024, 0, 5 - i)) })
    }
    const listUsers = makeListUsers({ users: repo })

    const first = await listUsers({ limit: 2, offset: 0 })
    assert.deepEqual(first.items.map(u => u.username), ['user4', 'user3'])
    assert.deepEqual([first.limit, first.offset, first.total], [2, 0, 5])

    const last = await listUsers({ limit: 2, offset: 4 })
    assert.deepEqual(last.items.map(u => u.username), ['user0'])
    assert.deepEqual([last.limit, last.offset, last.total], [2, 4, 5])

    const beyond = await listUsers({ limit: 2, offset: 10 })
    assert.deepEqual(beyond.items, [])
    assert.equal(beyond.total, 5)
  })
})
