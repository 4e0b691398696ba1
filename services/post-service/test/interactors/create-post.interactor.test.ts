import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { InvalidPostError, PostNotFoundError } from '../../src/entities/post.errors.ts'
import { makeCreatePost } from '../../src/interactors/create-post.interactor.ts'
import type { CreatePost } from '../../src/interactors/create-post.interactor.ts'
import { makeGetPost } from '../../src/interactors/get-post.interactor.ts'
import { fixedClock, InMemoryPostStore, sequentialIds } from '../fakes/in-memory.ports.ts'

describe('create-post', () => {
  let store: InMemoryPostStore
  let createPost: CreatePost
  const now = fixedClock('2026-03-01T10:00:00.123Z')

  beforeEach(() => {
    store = new InMemoryPostStore()
    createPost = makeCreatePost({ posts: store, newEventId: sequentialIds(), now })
  })

  it('stores the post and one PostCreated event about it, keyed by the author', async () => {
    const result = await createPost({ authorId: 'alice', title: 'Hello', content: 'First post' })
    assert.ok(result.ok)
    assert.deepEqual(result.value, { id: 1, authorId: 'alice', title: 'Hello', content: 'First post', createdAt: new Date('2026-03-01T10:00:00.123Z') })
    assert.deepEqual(store.posts, [result.value])
    assert.equal(store.outbox.length, 1)
    const [event] = store.outbox
    assert.deepEqual({ ...event, payload: JSON.parse(event!.payload) }, {
      position: 1,
      id: 'event-1',
      aggregateType: 'post',
      aggregateId: '1',
      type: 'PostCreated',
      key: 'alice',
      createdAt: new Date('2026-03-01T10:00:00.123Z'),
      payload: { id: 1, authorId: 'alice', title: 'Hello', content: 'First post', createdAt: '2026-03-01T10:00:00.123Z' }
    })
  })

  it('gives each post its own event id and its own aggregate id', async () => {
    await createPost({ authorId: 'alice', title: 'One', content: '1' })
    await createPost({ authorId: 'bob', title: 'Two', content: '2' })
    assert.deepEqual(store.outbox.map(e => [e.id, e.aggregateId, e.key]), [['event-1', '1', 'alice'], ['event-2', '2', 'bob']])
  })

  it('answers the store\'s refusal and stores neither the post nor an event', async () => {
    const result = await createPost({ authorId: 'alice', title: 'x'.repeat(256), content: 'c' })
    assert.ok(!result.ok)
    assert.ok(result.error instanceof InvalidPostError)
    assert.equal(result.error.field, 'title')
    assert.deepEqual([result.error.code, result.error.canRetry], ['INVALID_POST', false])
    assert.deepEqual([store.posts.length, store.outbox.length], [0, 0])
  })

  it('stores nothing when the event cannot be written', async () => {
    store.failNextEventWrite = new Error('outbox write failed')
    await assert.rejects(createPost({ authorId: 'alice', title: 'Lost?', content: 'c' }), /outbox write failed/)
    assert.deepEqual([store.posts.length, store.outbox.length], [0, 0])
  })
})

describe('get-post', () => {
  it('answers a stored post, and PostNotFoundError for an unknown id', async () => {
    const store = new InMemoryPostStore()
    const created = await makeCreatePost({ posts: store })({ authorId: 'alice', title: 'T', content: 'C' })
    assert.ok(created.ok)
    const getPost = makeGetPost({ posts: store })
    assert.deepEqual(await getPost(created.value.id), created)
    const missing = await getPost(99)
    assert.ok(!missing.ok)
    assert.ok(missing.error instanceof PostNotFoundError)
    assert.deepEqual([missing.error.code, missing.error.canRetry, missing.error.field], ['POST_NOT_FOUND', false, 'id'])
  })
})
