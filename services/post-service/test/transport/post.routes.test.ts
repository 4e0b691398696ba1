// Integration: the whole service on a free port against the real MariaDB, in a scratch database.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import mysql from 'mysql2/promise'
import type { RowDataPacket } from 'mysql2/promise'
import { createPostService } from '../../src/app.ts'
import type { PostService } from '../../src/app.ts'
import { assertJsonError, callJson } from '@ripple/testing'
import { dropMariaDbDatabase, serviceConfig, settingsOf, unique } from '../stack.helpers.ts'

describe('post-service HTTP API', () => {
  const database = unique('test_post_http_')
  const config = serviceConfig({ MARIADB_DATABASE: database })
  let service: PostService
  let base: string
  let db: mysql.Connection

  const call = (method: string, path: string, body?: unknown, raw?: string) => callJson(base + path, method, body, { raw })

  const rows = async (sql: string, values: unknown[] = []) => (await db.query<RowDataPacket[]>(sql, values))[0]

  before(async () => {
    service = createPostService(config)
    base = (await service.start()).url
    db = await mysql.createConnection({ ...settingsOf(config), database, jsonStrings: true })
  })
  after(async () => {
    await service.stop()
    await db.end()
    await dropMariaDbDatabase(database)
  })

  it('POST /posts answers 201 with the post, and stores it with one outbox event', async () => {
    const res = await call('POST', '/posts', { authorId: 'alice', title: '  Hello  ', content: '  indented' })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.equal(res.headers.get('location'), `/posts/${res.body.id}`)
    assert.deepEqual(Object.keys(res.body).sort(), ['authorId', 'content', 'createdAt', 'id', 'title'])
    assert.deepEqual([res.body.authorId, res.body.title, res.body.content], ['alice', 'Hello', '  indented'])
    const events = await rows('SELECT aggregatetype, aggregateid, type, event_key, payload FROM outbox WHERE aggregateid = ?', [String(res.body.id)])
    assert.equal(events.length, 1)
    assert.deepEqual([events[0]!.aggregatetype, events[0]!.type, events[0]!.event_key], ['post', 'PostCreated', 'alice'])
    assert.deepEqual(JSON.parse(events[0]!.payload), res.body)
  })

  it('GET /posts/:id answers the post as created', async () => {
    const created = await call('POST', '/posts', { authorId: 'bob', title: 'Get me', content: 'body' })
    const res = await call('GET', `/posts/${created.body.id}`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, created.body)
  })

  it('bad input is a 400 naming the field, and stores neither a post nor an event', async () => {
    const [before] = await rows('SELECT (SELECT COUNT(*) FROM posts) AS posts, (SELECT COUNT(*) FROM outbox) AS events')
    assertJsonError(await call('POST', '/posts', { authorId: 'alice', title: 'x'.repeat(256), content: 'c' }), 400, 'title')
    assertJsonError(await call('POST', '/posts', { authorId: 'alice', title: '   ', content: 'c' }), 400, 'title')
    assertJsonError(await call('POST', '/posts', { authorId: 'alice', title: 't', content: 'c'.repeat(10_001) }), 400, 'content')
    assertJsonError(await call('POST', '/posts', { authorId: 'alice', title: 't' }), 400, 'content')
    assertJsonError(await call('POST', '/posts', { authorId: 'has space', title: 't', content: 'c' }), 400, 'authorId')
    assertJsonError(await call('POST', '/posts', { authorId: 'a'.repeat(65), title: 't', content: 'c' }), 400, 'authorId')
    assertJsonError(await call('POST', '/posts', { authorId: 42, title: 't', content: 'c' }), 400, 'authorId')
    assertJsonError(await call('POST', '/posts', { authorId: 'alice', title: 't', content: 'c', tags: [] }), 400, 'tags')
    assertJsonError(await call('POST', '/posts', undefined, '{"authorId": "alice",'), 400, 'body')
    assert.deepEqual(await rows('SELECT (SELECT COUNT(*) FROM posts) AS posts, (SELECT COUNT(*) FROM outbox) AS events'), [before])
  })

  it('GET /posts/:id with a bad id is a 400 naming id; an unknown one a 404', async () => {
    assertJsonError(await call('GET', '/posts/abc'), 400, 'id')
    assertJsonError(await call('GET', '/posts/0'), 400, 'id')
    assertJsonError(await call('GET', '/posts/123456789'), 404, 'id')
  })

  it('/health reports MariaDB', async () => {
    const res = await call('GET', '/health')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { status: 'ok', reasons: [], mariadb: 'ok' })
  })
})
