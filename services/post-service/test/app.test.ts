// Integration: post-service with OUTBOX_RELAY=polling against the real MariaDB and Kafka, on a topic of its own.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import mysql from 'mysql2/promise'
import type { RowDataPacket } from 'mysql2/promise'
import { createPostService } from '../src/app.ts'
import type { PostService } from '../src/app.ts'
import { deleteTopics, dropMariaDbDatabase, eventually, readTopic, serviceConfig, settingsOf, testAccessToken, unique } from './stack.helpers.ts'

interface PostJson { id: number, authorId: string, title: string, content: string, createdAt: string }

describe('post-service polling relay (real Kafka)', () => {
  const services: PostService[] = []
  const databases: string[] = []
  const topics: string[] = []

  after(async () => {
    await Promise.all(services.map(s => s.stop()))
    await Promise.all(databases.map(dropMariaDbDatabase))
    await deleteTopics(topics)
  })

  function scope (name: string) {
    const prefix = unique(`test.outbox.${name}.`) + '.'
    const database = unique(`test_post_${name}_`)
    databases.push(database)
    topics.push(`${prefix}post`)
    return { prefix, database, topic: `${prefix}post` }
  }

  async function start (s: ReturnType<typeof scope>) {
    const service = createPostService(serviceConfig({ MARIADB_DATABASE: s.database, OUTBOX_RELAY: 'polling', OUTBOX_TOPIC_PREFIX: s.prefix }))
    services.push(service)
    return { service, base: (await service.start()).url }
  }

  async function post (base: string, body: { authorId: string, title: string, content: string }): Promise<PostJson> {
    const res = await fetch(`${base}/posts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await testAccessToken(body.authorId)}` }, body: JSON.stringify(body) })
    assert.equal(res.status, 201)
    return await res.json() as PostJson
  }

  it('publishes each post as the EventRouter would, in order per author, and then empties the outbox', async () => {
    const s = scope('shape')
    const { base } = await start(s)
    const created: PostJson[] = []
    for (let i = 0; i < 10; i++) created.push(await post(base, { authorId: i % 2 === 0 ? 'alice' : 'bob', title: `Post ${i}`, content: `Body ${i} “quoted” 😀` }))

    const records = await readTopic(s.topic, r => r.length >= 10)
    assert.equal(records.length, 10)
    for (const author of ['alice', 'bob']) {
      const mine = records.filter(r => r.key === author)
      assert.equal(new Set(mine.map(r => r.partition)).size, 1, `${author}'s events share a partition`)
      assert.deepEqual(mine.map(r => JSON.parse(r.value!).title), created.filter(p => p.authorId === author).map(p => p.title), `${author}'s events in order`)
    }
    for (const record of records) {
      const payload = JSON.parse(record.value!) as PostJson
      const original = created.find(p => p.id === payload.id)
      assert.deepEqual(payload, original, 'the value is the post as JSON')
      assert.equal(record.key, original?.authorId)
      assert.deepEqual(Object.keys(record.headers).sort(), ['eventType', 'id'])
      assert.equal(record.headers.eventType, 'PostCreated')
      assert.match(record.headers.id!, /^[0-9a-f-]{36}$/)
      assert.equal(record.timestamp, BigInt(Date.parse(original!.createdAt)), 'the record carries the outbox row\'s created_at')
    }
    assert.equal(new Set(records.map(r => r.headers.id)).size, 10, 'one event id per post')

    const db = await mysql.createConnection({ ...settingsOf(serviceConfig({ MARIADB_DATABASE: s.database })), database: s.database })
    try {
      await eventually(async () => assert.equal((await db.query<RowDataPacket[]>('SELECT COUNT(*) AS c FROM outbox'))[0][0]?.c, 0))
    } finally {
      await db.end()
    }
  })

  it('two instances on one database: one relays, the other stands by, and each event goes out once', async () => {
    const s = scope('pair')
    const [first, second] = [await start(s), await start(s)]
    const created: PostJson[] = []
    for (let i = 0; i < 40; i++) created.push(await post(i % 2 === 0 ? first.base : second.base, { authorId: `author${i % 4}`, title: `Post ${i}`, content: 'c' }))
    // Relays publish in outbox order: once both last posts are out, every relay running has passed over the 40.
    const last = [await post(first.base, { authorId: 'last', title: 'first', content: 'c' }), await post(second.base, { authorId: 'last', title: 'second', content: 'c' })]
    const all = await readTopic(s.topic, r => last.every(p => r.some(x => JSON.parse(x.value!).id === p.id)))
    assert.equal(all.length, 42, 'no event published twice')
    for (let a = 0; a < 4; a++) {
      assert.deepEqual(all.filter(r => r.key === `author${a}`).map(r => JSON.parse(r.value!).id), created.filter(p => p.authorId === `author${a}`).map(p => p.id))
    }
  })
})
