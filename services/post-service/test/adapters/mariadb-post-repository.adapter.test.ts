// Integration: the repository against the real MariaDB, in a scratch database no connector captures.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { postCreatedEvent } from '@ripple/contracts'
import type { Pool, RowDataPacket } from 'mysql2/promise'
import { createMariaDbPool } from '@ripple/kit'
import { createMariaDbPostRepository } from '../../src/adapters/mariadb-post-repository.adapter.ts'
import { migrate } from '../../src/adapters/mariadb.migrations.ts'
import { InvalidPostError } from '../../src/entities/post.errors.ts'
import type { PostRepository } from '../../src/ports/post-repository.port.ts'
import { dropMariaDbDatabase, serviceConfig, settingsOf, unique } from '../stack.helpers.ts'

describe('MariaDB post repository', () => {
  const database = unique('test_post_repo_')
  const settings = settingsOf(serviceConfig({ MARIADB_DATABASE: database }))
  let pool: Pool
  let posts: PostRepository
  let n = 0
  const eventFor = (stored: Parameters<typeof postCreatedEvent>[0]) => postCreatedEvent(stored, `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`)
  const count = async (sql: string, values: unknown[]) => Number((await pool.query<RowDataPacket[]>(sql, values))[0][0]?.c)

  before(async () => {
    await migrate(settings)
    // A second start finds everything in place.
    await migrate(settings)
    pool = createMariaDbPool(settings)
    posts = createMariaDbPostRepository(pool)
    // Refuses the outbox row of one author, after the post's own insert in the same transaction went through.
    await pool.query(`CREATE TRIGGER refuse_doomed_event BEFORE INSERT ON outbox FOR EACH ROW
      IF NEW.event_key = 'doomed' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'outbox refused the event'; END IF`)
  })
  after(async () => {
    await pool.end()
    await dropMariaDbDatabase(database)
  })

  it('stores the post and its event in the outbox shape the EventRouter reads', async () => {
    const createdAt = new Date('2026-03-01T10:00:00.123Z')
    const result = await posts.insertWithEvent({ authorId: 'alice', title: 'Hello “world” 😀', content: 'Line 1\nLine 2', createdAt }, eventFor)
    assert.ok(result.ok)
    const post = result.value
    assert.deepEqual(await posts.findById(post.id), post)
    const [rows] = await pool.query<RowDataPacket[]>('SELECT id, aggregatetype, aggregateid, type, event_key, payload, created_at FROM outbox WHERE aggregateid = ?', [String(post.id)])
    assert.equal(rows.length, 1)
    const row = rows[0]!
    assert.match(row.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    assert.deepEqual([row.aggregatetype, row.aggregateid, row.type, row.event_key], ['post', String(post.id), 'PostCreated', 'alice'])
    assert.equal(typeof row.payload, 'string', 'the payload is read as the text stored')
    assert.deepEqual(JSON.parse(row.payload), { id: post.id, authorId: 'alice', title: 'Hello “world” 😀', content: 'Line 1\nLine 2', createdAt: '2026-03-01T10:00:00.123Z' })
    assert.equal((row.created_at as Date).toISOString(), '2026-03-01T10:00:00.123Z')
  })

  it('rolls the post back when its event cannot be written: neither is stored', async () => {
    await assert.rejects(posts.insertWithEvent({ authorId: 'doomed', title: 'Never seen', content: 'c', createdAt: new Date() }, eventFor), /outbox refused the event/)
    assert.equal(await count('SELECT COUNT(*) AS c FROM posts WHERE author_id = ?', ['doomed']), 0)
    assert.equal(await count('SELECT COUNT(*) AS c FROM outbox WHERE event_key = ?', ['doomed']), 0)
    // The connection went back to the pool usable.
    assert.ok((await posts.insertWithEvent({ authorId: 'carol', title: 'After', content: 'c', createdAt: new Date() }, eventFor)).ok)
  })

  it('refuses a value longer than its column, naming the field, and stores nothing', async () => {
    const tooLongTitle = await posts.insertWithEvent({ authorId: 'bob', title: 't'.repeat(256), content: 'c', createdAt: new Date() }, eventFor)
    assert.ok(!tooLongTitle.ok)
    assert.ok(tooLongTitle.error instanceof InvalidPostError)
    assert.equal(tooLongTitle.error.field, 'title')
    // TEXT holds 65,535 bytes: 20,000 three-byte characters are more.
    const tooLongContent = await posts.insertWithEvent({ authorId: 'bob', title: 'ok', content: '€'.repeat(22_000), createdAt: new Date() }, eventFor)
    assert.ok(!tooLongContent.ok)
    assert.equal(tooLongContent.error.field, 'content')
    assert.equal(await count('SELECT COUNT(*) AS c FROM posts WHERE author_id = ?', ['bob']), 0)
    assert.equal(await count('SELECT COUNT(*) AS c FROM outbox WHERE event_key = ?', ['bob']), 0)
  })

  it('answers undefined for an unknown id', async () => {
    assert.equal(await posts.findById(9_999_999), undefined)
  })
})
