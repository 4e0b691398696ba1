import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import { after, test } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { loadStackConfig } from '@ripple/stack'
import { capturedMails, eventually, groupCaughtUp, restoreStack, signIn, stack, stopComponents } from '@ripple/testing'
import { jobRows, postJob, waitForClickhouseRows, waitForJobRows, waitUntilFinished } from './jobs.helpers.ts'
import type { CreatedJob } from './jobs.helpers.ts'
import { assertExactlyOnce, cdcRelay, createPost, recordedNotifications, subscribe, waitForNotifications } from './outbox.support.ts'
import type { PostJson } from './outbox.support.ts'

const config = loadStackConfig()
const userService = `http://${config.host}:${config.ports.userService}`
const users = `${userService}/users`
const json = { 'content-type': 'application/json' }
const PASSWORD = 'crash-password'
after(restoreStack)

/** Every consumer group of the stack with the topics it reads. */
const groups: Record<string, string[]> = {
  'notification-service': ['cdc.table.userdata.users'],
  'subscribe-service': ['outbox.event.post'],
  processor: ['receiver-topic'],
  converter: ['processor-topic'],
  informer: ['receiver-topic', 'processor-topic']
}

// The burst is paced so that it outlasts the seconds the CLI takes to kill Kafka: the kill lands mid-burst.
const ROUNDS = 300
const PACE_MS = 150
const DOWN_MS = 25_000

/**
 * Posts a job until the receiver takes it: while Kafka is down it answers 503 (it produces
 * synchronously), which is retried until Kafka is back; any other answer fails the test at once.
 */
async function jobAccepted (body: unknown): Promise<CreatedJob> {
  for (;;) {
    const res = await postJob(body)
    if (res.status === 200) return res.body as unknown as CreatedJob
    assert.equal(res.status, 503, `POST /create/job answered ${res.status}: ${JSON.stringify(res.body)}`)
    await delay(500)
  }
}

test('Kafka SIGKILLed for 25 s in the middle of a burst: every group rejoins and catches up, every effect exactly once', async t => {
  const run = randomBytes(4).toString('hex')
  const ids: string[] = []
  const usernames: string[] = []
  // Each user signs up, then signs in: PATCH and DELETE need the owner's token. Tokens expire
  // (15 min by default) and a slow restore may outlive them: a 401 signs in again.
  const tokens: string[] = []
  for (let i = 0; i < 5; i++) {
    const username = `crash-${run}-${i}`
    const res = await fetch(users, { method: 'POST', headers: json, body: JSON.stringify({ username, email: `crash-${run}-${i}@example.test`, password: PASSWORD }) })
    const body = await res.text()
    assert.equal(res.status, 201, body)
    ids.push((JSON.parse(body) as { id: string }).id)
    usernames.push(username)
    tokens.push(await signIn(userService, { username }, PASSWORD))
  }
  const asOwner = async (i: number, method: 'PATCH' | 'DELETE', body?: unknown) => {
    const send = () => fetch(`${users}/${ids[i]!}`, { method, headers: { ...json, authorization: `Bearer ${tokens[i]!}` }, body: body === undefined ? undefined : JSON.stringify(body) })
    const res = await send()
    if (res.status !== 401) return res
    tokens[i] = await signIn(userService, { username: usernames[i]! }, PASSWORD)
    return send()
  }
  const mine = async () => (await capturedMails()).filter(m => m.to.some(to => to.startsWith(`crash-${run}-`)))
  const changeMails = async () => (await mine()).filter(m => m.subject === 'Your Ripple account data changed')
  await eventually(async () => assert.equal((await mine()).length, ids.length, 'welcome mails'), 300_000, 250)
  const author = `crash-author-${run}`
  const subscribers = [`crash-sub-${run}-a`, `crash-sub-${run}-b`]
  for (const s of subscribers) await subscribe(s, author)

  // Each round feeds every consumer: a user update (CDC → notification-service → mail), a post
  // (outbox → subscribe-service → notifications) and a job (receiver → processor → converter, informer).
  const relay = cdcRelay()
  const addresses: string[] = []
  const posts: PostJson[] = []
  const jobs: string[] = []
  let rounds = 0
  const burst = (async () => {
    for (let n = 0; n < ROUNDS; n++) {
      const address = `${n} Crash Street`
      const res = await asOwner(n % ids.length, 'PATCH', { address })
      assert.equal(res.status, 200, await res.text())
      addresses.push(address)
      const post = await createPost(relay, author, `crash ${run} ${n}`)
      assert.equal(post.status, 201, JSON.stringify(post.body))
      posts.push(post.body)
      jobs.push((await jobAccepted({ sleep: 100, data_size: 256 })).id)
      rounds++
      await delay(PACE_MS)
    }
  })()

  await eventually(() => assert.ok(rounds >= ROUNDS / 10), 300_000, 20)
  await stopComponents(['kafka'], { kill: true })
  const [mailsAtFault, notificationsAtFault, jobsAtFault] = [(await changeMails()).length, await recordedNotifications(subscribers), (await jobRows(jobs)).length]
  t.diagnostic(`at the kill: ${mailsAtFault} of ${ROUNDS} mails, ${notificationsAtFault} of ${ROUNDS * subscribers.length} notifications, ${jobsAtFault} of ${ROUNDS} jobs done`)
  assert.ok(mailsAtFault < ROUNDS / 2, `the fault came too late: ${mailsAtFault} of ${ROUNDS} mails were already sent`)
  assert.ok(notificationsAtFault < ROUNDS * subscribers.length / 2, `the fault came too late: ${notificationsAtFault} notifications were already recorded`)
  assert.ok(jobsAtFault < ROUNDS / 2, `the fault came too late: ${jobsAtFault} of ${ROUNDS} jobs were already done`)
  await delay(DOWN_MS)
  // Connect may take a while to get its connectors running again after the broker's crash.
  await eventually(restoreStack, 600_000, 5000)
  await burst
  assert.equal(rounds, ROUNDS)

  // Every mail, notification and job arrives, and none twice.
  const mails = await eventually(async () => {
    const found = await changeMails()
    assert.ok(found.length >= ROUNDS, `${found.length} of ${ROUNDS} change mails`)
    return found
  }, 300_000, 500)
  assert.equal(mails.length, ROUNDS, 'no mail twice')
  assert.deepEqual(new Set(mails.map(m => /→ (\d+ Crash Street)/.exec(m.text)?.[1])), new Set(addresses), 'every update mailed')
  await eventually(() => waitForNotifications(subscribers, posts.length), 300_000, 500)
  await assertExactlyOnce(subscribers, posts)
  await waitUntilFinished(jobs, 300_000)
  const rows = await waitForJobRows(jobs, 300_000)
  assert.equal(rows.length, ROUNDS, 'one PostgreSQL row per job (the sink upserts by id: a redelivery updates it)')
  assert.equal((await waitForClickhouseRows(jobs, 300_000)).length, 2 * ROUNDS, 'two ClickHouse rows per job as readers see them (FINAL: a redelivered line is a duplicate until a merge)')

  // Every group has its members back and has committed to the end of what it reads, without a restart.
  const admin = new Admin({ clientId: 'test-kafka-crash', bootstrapBrokers: stack.kafkaBrokers, sasl: stack.kafkaSasl })
  try {
    await eventually(async () => {
      const described = await admin.describeGroups({ groups: Object.keys(groups) })
      for (const [groupId, topics] of Object.entries(groups)) {
        const group = described.get(groupId)
        assert.equal(group?.state, 'Stable', `${groupId} is ${group?.state}`)
        assert.ok((group?.members.size ?? 0) > 0, `${groupId} has members`)
        for (const topic of topics) assert.equal(await groupCaughtUp(groupId, topic), true, `${groupId} committed to the end of ${topic}`)
      }
    }, 180_000, 1000)
  } finally {
    await admin.close()
  }
  for (const [service, port] of Object.entries({ 'notification-service': config.ports.notificationService, 'subscribe-service': config.ports.subscribeService, processor: config.ports.processor, converter: config.ports.converter, informer: config.ports.informer })) {
    const res = await fetch(`http://${config.host}:${port}/health`)
    assert.equal(res.status, 200, `${service}: ${await res.text()}`)
  }
  await Promise.all(ids.map((_, i) => asOwner(i, 'DELETE')))
})
