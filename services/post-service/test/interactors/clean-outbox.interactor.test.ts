import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { makeCleanOutbox } from '../../src/interactors/clean-outbox.interactor.ts'
import { makeCreatePost } from '../../src/interactors/create-post.interactor.ts'
import { InMemoryPostStore } from '../fakes/in-memory.ports.ts'

describe('clean-outbox', () => {
  it('deletes events older than the retention, batch after batch, and keeps younger ones', async () => {
    const store = new InMemoryPostStore()
    let clock = new Date('2026-03-01T00:00:00Z')
    const createPost = makeCreatePost({ posts: store, now: () => clock })
    for (let minute = 0; minute < 7; minute++) {
      clock = new Date(Date.UTC(2026, 2, 1, 0, minute))
      await createPost({ authorId: 'alice', title: `t${minute}`, content: 'c' })
    }
    // 00:10 with 5 minutes' retention: the events of minutes 0-4 are past it.
    const clean = makeCleanOutbox({ outbox: store, retentionMs: 5 * 60_000, batchSize: 2, now: () => new Date('2026-03-01T00:10:00Z') })
    assert.equal(await clean(), 5)
    assert.deepEqual(store.outbox.map(e => e.createdAt.toISOString()), ['2026-03-01T00:05:00.000Z', '2026-03-01T00:06:00.000Z'])
    // Batches of 2: 2 + 2 + 1, the short one ends it.
    assert.equal(store.queries, 3)
    assert.equal(await clean(), 0)
  })
})
