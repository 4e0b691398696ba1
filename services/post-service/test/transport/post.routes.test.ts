// Integration: the whole service on a free port against the real MariaDB and Kafka, in a scratch
// database, its user changes read from a scratch topic.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createProducer, kafkaConnection } from '@ripple/kit'
import type { KafkaProducer } from '@ripple/kit'
import mysql from 'mysql2/promise'
import type { RowDataPacket } from 'mysql2/promise'
import { createPostService } from '../../src/app.ts'
import type { PostService } from '../../src/app.ts'
import { assertJsonError, callJson } from '@ripple/testing'
import { deleteTopics, dropMariaDbDatabase, eventually, forgedTokens, serviceConfig, settingsOf, testAccessToken, testAdminToken, unique, userChangeRecord } from '../stack.helpers.ts'

describe('post-service HTTP API', () => {
  const database = unique('test_post_http_')
  const usersTopic = unique('test.cdc.users.')
  const config = serviceConfig({ MARIADB_DATABASE: database, REVOCATION_TOPIC: usersTopic })
  let service: PostService
  let base: string
  let db: mysql.Connection
  let producer: KafkaProducer

  /** POST or GET as `as`: a user id (its token is signed here, as user-service signs), a raw token, or none. */
  const call = async (method: string, path: string, body?: unknown, raw?: string, as: { userId: string } | { token: string } | null = method === 'POST' ? { userId: 'alice' } : null) =>
    callJson(base + path, method, body, { raw, ...(as === null ? {} : { token: 'token' in as ? as.token : await testAccessToken(as.userId) }) })

  const rows = async (sql: string, values: unknown[] = []) => (await db.query<RowDataPacket[]>(sql, values))[0]

  before(async () => {
    producer = createProducer({ ...kafkaConnection(config), clientId: 'post-service-test' })
    // The topic exists before the consumer subscribes, as the connector's does on the stack.
    await producer.send([userChangeRecord(usersTopic, { op: 'c', userId: randomUUID(), passwordChangedAt: null })])
    service = createPostService(config)
    base = (await service.start()).url
    db = await mysql.createConnection({ ...settingsOf(config), database, jsonStrings: true })
  })
  after(async () => {
    await service.stop()
    await producer.close()
    await db.end()
    await dropMariaDbDatabase(database)
    await deleteTopics([usersTopic, `${usersTopic}.dlq`])
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
    const created = await call('POST', '/posts', { authorId: 'bob', title: 'Get me', content: 'body' }, undefined, { userId: 'bob' })
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

  it('POST /posts needs the author\'s token: 401 without or with a forged one, 403 for another author, 201 for the owner and for an admin', async () => {
    const body = { authorId: 'carol', title: 'Mine', content: 'c' }
    const count = async () => Number((await rows('SELECT COUNT(*) AS n FROM posts WHERE author_id = ?', ['carol']))[0]!.n)
    const none = await call('POST', '/posts', body, undefined, null)
    assertJsonError(none, 401, 'authorization')
    assert.equal(none.body.error, 'UNAUTHORIZED')
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/)
    for (const [kind, token] of Object.entries(await forgedTokens('carol'))) {
      const forged = await call('POST', '/posts', body, undefined, { token })
      assertJsonError(forged, 401, 'authorization')
      assert.equal(forged.body.error, 'UNAUTHORIZED', kind)
    }
    const other = await call('POST', '/posts', body, undefined, { userId: 'mallory' })
    assertJsonError(other, 403, 'authorId')
    assert.equal(other.body.error, 'FORBIDDEN')
    assert.equal(await count(), 0, 'nothing stored for a refused request')

    const owner = await call('POST', '/posts', body, undefined, { userId: 'carol' })
    assert.equal(owner.status, 201, JSON.stringify(owner.body))
    assert.equal(owner.body.authorId, 'carol')
    const admin = await call('POST', '/posts', { ...body, title: 'By an operator' }, undefined, { token: await testAdminToken() })
    assert.equal(admin.status, 201, JSON.stringify(admin.body))
    assert.equal(admin.body.authorId, 'carol', 'an admin posts for the author it names')
    assert.equal(await count(), 2)
  })

  it('a token signed before its user\'s password change, or for a deleted account, is a 401 TOKEN_REVOKED once the change event arrives; a new token works', async () => {
    const dan = randomUUID()
    const erin = randomUUID()
    const danBefore = await testAccessToken(dan)
    const erinToken = await testAccessToken(erin)
    const post = (authorId: string, token: string) => call('POST', '/posts', { authorId, title: 't', content: 'c' }, undefined, { token })
    assert.equal((await post(dan, danBefore)).status, 201, 'valid before the change')
    assert.equal((await post(erin, erinToken)).status, 201)

    await new Promise(resolve => setTimeout(resolve, 5))
    await producer.send([
      userChangeRecord(usersTopic, { op: 'u', userId: dan, passwordChangedAt: new Date() }),
      userChangeRecord(usersTopic, { op: 'd', userId: erin, passwordChangedAt: null })
    ])
    for (const [authorId, token] of [[dan, danBefore], [erin, erinToken]] as const) {
      const refused = await eventually(async () => {
        const res = await post(authorId, token)
        assert.equal(res.status, 401, JSON.stringify(res.body))
        return res
      }, 10_000)
      assertJsonError(refused, 401, 'authorization')
      assert.equal(refused.body.error, 'TOKEN_REVOKED')
    }
    assert.equal((await post(dan, await testAccessToken(dan))).status, 201, 'a token signed after the change')
    assertJsonError(await post(erin, await testAccessToken(erin)), 401, 'authorization')
  })

  it('GET /posts/:id with a bad id is a 400 naming id; an unknown one a 404', async () => {
    assertJsonError(await call('GET', '/posts/abc'), 400, 'id')
    assertJsonError(await call('GET', '/posts/0'), 400, 'id')
    assertJsonError(await call('GET', '/posts/123456789'), 404, 'id')
  })

  it('/health reports MariaDB', async () => {
    const res = await call('GET', '/health')
    assert.equal(res.status, 200)
    assert.deepEqual({ ...res.body, [`consumer:${config.REVOCATION_GROUP_ID}`]: undefined }, { status: 'ok', reasons: [], mariadb: 'ok', [`consumer:${config.REVOCATION_GROUP_ID}`]: undefined })
    assert.deepEqual(res.body[`consumer:${config.REVOCATION_GROUP_ID}`].topics, [usersTopic], 'the revocation consumer is part of health')
  })
})
