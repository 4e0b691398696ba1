// What the outbox end-to-end tests share: the stack's post-service and subscribe-service, a
// post-service of their own with the polling relay, subscribers (with their access tokens) and
// their notifications, and a webhook receiver where the stack's subscribe-service may deliver.
import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import { loadConfig } from '@ripple/kit'
import { loadStackConfig } from '@ripple/stack'
import { dropMariaDbDatabase, stack, testAccessToken, unique } from '@ripple/testing'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import mysql from 'mysql2/promise'
import type { RowDataPacket } from 'mysql2/promise'
import pg from 'pg'
import { createPostService } from '@ripple/post-service'
import { postServiceConfigSchema } from '@ripple/post-service/config'

const config = loadStackConfig()
export const subscribeUrl = `http://${config.host}:${config.ports.subscribeService}`
export const cdcPostUrl = `http://${config.host}:${config.ports.postService}`
const json = { 'content-type': 'application/json' }

export interface PostJson { id: number, authorId: string, title: string, content: string, createdAt: string }
export interface NotificationJson { id: number, eventId: string, subscriberId: string, authorId: string, post: { id: number, title: string }, delivery: null | { state: string, attempts: number } }

/** A relay under test: where to POST posts, and the MariaDB database they land in. */
export interface Relay { name: 'cdc' | 'polling', url: string, database: string, stop: () => Promise<void> }

export const cdcRelay = (): Relay => ({ name: 'cdc', url: cdcPostUrl, database: 'post_service_db', stop: async () => {} })

/**
 * A post-service of the test's own with OUTBOX_RELAY=polling, on a free port and in a database the
 * connector does not capture, so only its relay publishes its posts (to the same topic).
 */
export async function pollingRelay (): Promise<Relay> {
  const database = unique('test_post_polling_')
  const service = createPostService(loadConfig(postServiceConfigSchema, {
    ...process.env,
    // The stack this test runs against, wherever its ports were moved, not the services' defaults.
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    MARIADB_HOST: stack.mariadb.host,
    MARIADB_PORT: String(stack.mariadb.port),
    MARIADB_USER: stack.mariadb.user,
    MARIADB_PASSWORD: stack.mariadb.password,
    PORT: '0',
    MARIADB_DATABASE: database,
    OUTBOX_RELAY: 'polling',
    // The stack's user changes in a group of its own, never the stack's post-service.revocations.
    REVOCATION_GROUP_ID: unique('test-polling-revocations-'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent'
  }))
  const { url } = await service.start()
  return { name: 'polling', url, database, stop: async () => { await service.stop(); await dropMariaDbDatabase(database) } }
}

/** Each author's access token, made once (post-service takes posts from their author only). */
const authorTokens = new Map<string, Promise<string>>()
const tokenOf = (authorId: string): Promise<string> => {
  let token = authorTokens.get(authorId)
  if (!token) authorTokens.set(authorId, token = testAccessToken(authorId))
  return token
}

/** POSTs a post as its author, with the author's access token. */
export async function createPost (relay: Relay, authorId: string, title: string): Promise<{ status: number, body: PostJson }> {
  const res = await fetch(`${relay.url}/posts`, { method: 'POST', headers: { ...json, authorization: `Bearer ${await tokenOf(authorId)}` }, body: JSON.stringify({ authorId, title, content: `Content of ${title}` }) })
  return { status: res.status, body: await res.json() as PostJson }
}

/**
 * POSTs every title with `inFlight` requests at once, each lane starting a request at most every
 * `paceMs` (so a burst can be made to outlast a fault); answers the posts in the order of titles.
 */
export async function createPosts (relay: Relay, authorId: string, titles: string[], inFlight = 8, paceMs: number | (() => number) = 0): Promise<PostJson[]> {
  const posts: PostJson[] = []
  let next = 0
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < titles.length) {
      const i = next++
      // A function paces each post as it comes: slow until a fault has hit, fast after.
      const paced = delay(typeof paceMs === 'function' ? paceMs() : paceMs)
      const res = await createPost(relay, authorId, titles[i]!)
      await paced
      assert.equal(res.status, 201, `${relay.name} ${titles[i]}: ${JSON.stringify(res.body)}`)
      posts[i] = res.body
    }
  }))
  return posts
}

/** `Authorization` for the subscriber: subscribe-service serves each subscriber's own token only. */
const as = async (subscriberId: string) => ({ authorization: `Bearer ${await testAccessToken(subscriberId)}` })

/** Subscribes; answers the webhook's signing secret, which the subscribe answer alone shows (null without a webhook). */
export async function subscribe (subscriberId: string, authorId: string, webhookUrl?: string): Promise<{ webhookSecret: string | null }> {
  const res = await fetch(`${subscribeUrl}/subscriptions`, { method: 'POST', headers: { ...json, ...await as(subscriberId) }, body: JSON.stringify({ subscriberId, authorId, ...(webhookUrl ? { webhookUrl } : {}) }) })
  const text = await res.text()
  assert.equal(res.status, 201, text)
  return { webhookSecret: (JSON.parse(text) as { webhookSecret: string | null }).webhookSecret }
}

/**
 * Where a test's own receiver listens for the stack's subscribe-service: the first host:port (or
 * host) of WEBHOOK_ALLOWED_HOSTS, which `./ripple test` passes as the stack gives it to
 * subscribe-service (RIPPLE_WEBHOOK_TEST_PORT; the second entry is the stack's webhook-receiver).
 * Webhooks reach nothing else on this machine, so a receiver must listen exactly there.
 */
export function webhookReceiverAddress (): { host: string, port: number } {
  const allowed = process.env.WEBHOOK_ALLOWED_HOSTS ?? ''
  for (const entry of allowed.split(',').map(e => e.trim())) {
    const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? /^([^:/[\]]+)(?::(\d+))?$/.exec(entry)
    if (match?.[1]) return { host: match[1], port: Number(match[2] ?? 0) }
  }
  assert.fail(`WEBHOOK_ALLOWED_HOSTS (${JSON.stringify(allowed)}) names no host[:port] the stack's subscribe-service may deliver to: run through ./ripple test on a stack that sets it`)
}

/** A webhook receiver at webhookReceiverAddress(), routes added by the caller; close it before another listens there. */
export async function webhookReceiver (routes: (app: FastifyInstance) => void): Promise<{ url: string, close: () => Promise<void> }> {
  const { host, port } = webhookReceiverAddress()
  const app = Fastify()
  routes(app)
  const url = await app.listen({ host, port })
  return { url, close: () => app.close() }
}

/** Every notification of a subscriber, page by page, oldest first. */
export async function notificationsOf (subscriberId: string): Promise<NotificationJson[]> {
  const all: NotificationJson[] = []
  for (let offset = 0; ; offset += 1000) {
    const res = await fetch(`${subscribeUrl}/notifications?subscriberId=${encodeURIComponent(subscriberId)}&limit=1000&offset=${offset}`, { headers: await as(subscriberId) })
    assert.equal(res.status, 200, await res.clone().text())
    const page = await res.json() as { items: NotificationJson[], total: number }
    all.push(...page.items)
    if (page.items.length < 1000) return all
  }
}

/** Asserts each subscriber has exactly one notification per post (posts have unique titles), none for anything else. */
export async function assertExactlyOnce (subscribers: string[], posts: PostJson[]): Promise<void> {
  const expected = posts.map(p => p.title).sort()
  for (const subscriber of subscribers) {
    const mine = await notificationsOf(subscriber)
    assert.equal(mine.length, posts.length, `${subscriber}: ${mine.length} notifications for ${posts.length} posts`)
    assert.deepEqual(mine.map(n => n.post.title).sort(), expected, `${subscriber}: one notification per post`)
  }
}

/** Counts a subscriber's notifications until each has `count`. */
export async function waitForNotifications (subscribers: string[], count: number): Promise<void> {
  for (const subscriber of subscribers) {
    const n = (await notificationsOf(subscriber)).length
    assert.ok(n >= count, `${subscriber} has ${n} of ${count} notifications`)
  }
}

const onMariaDb = (database: string) => mysql.createConnection({ ...stack.mariadb, database })

/** How many posts and outbox events a database holds for an author. */
export async function storedFor (database: string, authorId: string): Promise<{ posts: number, events: number }> {
  const conn = await onMariaDb(database)
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT (SELECT COUNT(*) FROM posts WHERE author_id = ?) AS posts, (SELECT COUNT(*) FROM outbox WHERE event_key = ?) AS events', [authorId, authorId])
    return { posts: Number(rows[0]?.posts), events: Number(rows[0]?.events) }
  } finally {
    await conn.end()
  }
}

/**
 * Makes the outbox of `database` refuse the event of `authorId`'s posts, but only once the post
 * itself is written in the same transaction (the trigger sees it), so the failure is one inside
 * the transaction, after the post's insert. Answers the clean-up, which drops the trigger.
 */
export async function refuseEventsAfterPost (database: string, authorId: string): Promise<() => Promise<void>> {
  const trigger = unique('e2e_refuse_')
  const conn = await onMariaDb(database)
  try {
    await conn.query(`CREATE TRIGGER \`${trigger}\` BEFORE INSERT ON outbox FOR EACH ROW
      IF NEW.event_key = ${conn.escape(authorId)} AND EXISTS (SELECT 1 FROM posts WHERE id = NEW.aggregateid) THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the e2e test refuses this event after its post was written';
      END IF`)
  } finally {
    await conn.end()
  }
  return async () => {
    const drop = await onMariaDb(database)
    try { await drop.query(`DROP TRIGGER IF EXISTS \`${trigger}\``) } finally { await drop.end() }
  }
}

/**
 * Notifications the stack's subscribe-service has recorded for these subscribers, read from its
 * database, which answers even while the service itself is killed.
 */
export async function recordedNotifications (subscribers: string[]): Promise<number> {
  const client = new pg.Client({ ...stack.postgres, database: 'subscribe_service_db' })
  await client.connect()
  try {
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM notifications WHERE subscriber_id = ANY($1)', [subscribers])
    return Number(rows[0]?.n)
  } finally {
    await client.end()
  }
}
