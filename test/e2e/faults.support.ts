// What the fault tests share: a paced burst of user updates and the mails it should cause,
// the tally of effects (expected, received, missing, doubled), dead-letter growth, consumer lag,
// and the CLI for what @ripple/testing does not wrap (dlq list/replay).
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { execa } from 'execa'
import { loadStackConfig } from '@ripple/stack'
import { capturedMails, eventually, groupCaughtUp, signIn, topicEndOffsets, unique } from '@ripple/testing'
import type { CapturedMail } from '@ripple/testing'

const config = loadStackConfig()
export const userServiceUrl = `http://${config.host}:${config.ports.userService}`
export const usersUrl = `${userServiceUrl}/users`
const json = { 'content-type': 'application/json' }

export const USERS_TOPIC = 'cdc.table.userdata.users'
export const USERS_DLQ = `${USERS_TOPIC}.dlq`
export const NOTIFICATION_GROUP = 'notification-service'
export const CHANGE_SUBJECT = 'Your Ripple account data changed'

/** The capture's record of a mail, with the Message-ID it was sent with. */
export type Mail = CapturedMail & { messageId?: string }

/** `./ripple <args>` in a child process, on the stack the environment points at. */
export function ripple (args: string[]) {
  return execa(process.execPath, ['--disable-warning=ExperimentalWarning', join(config.repoRoot, 'stack', 'src', 'cli.ts'), ...args], { all: true, reject: false })
}

export { sleep }

export const elapsed = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`

/**
 * Users made for one test; their addresses share a prefix, so their mails are told apart from
 * everyone else's. Each signed up, then signed in: `tokens[i]` is user i's access token, which
 * PATCH and DELETE /users/:id need (see `authorization`).
 */
export interface TestUsers { prefix: string, ids: string[], tokens: string[], usernames: string[] }

export const TEST_PASSWORD = 'fault-password-1'

export async function createUsers (count: number, label: string): Promise<TestUsers> {
  const prefix = unique(`${label}-`)
  const users: TestUsers = { prefix, ids: [], tokens: [], usernames: [] }
  for (let i = 0; i < count; i++) {
    const username = `${prefix}-${i}`
    const res = await fetch(usersUrl, { method: 'POST', headers: json, body: JSON.stringify({ username, email: `${prefix}-${i}@example.test`, password: TEST_PASSWORD }) })
    assert.equal(res.status, 201, await res.clone().text())
    users.ids.push(((await res.json()) as { id: string }).id)
    users.usernames.push(username)
    users.tokens.push(await signIn(userServiceUrl, { username }, TEST_PASSWORD))
  }
  await eventually(async () => assert.equal((await mailsOf(users)).filter(m => m.subject === 'Welcome to Ripple').length, count, 'welcome mails'), 120_000, 250)
  return users
}

/** Headers for a JSON call as user i (by index in `users.ids`, or by id). */
export function authorization (users: TestUsers, user: number | string): Record<string, string> {
  const i = typeof user === 'number' ? user : users.ids.indexOf(user)
  assert.ok(i >= 0 && i < users.ids.length, `not one of these users: ${user}`)
  return { ...json, authorization: `Bearer ${users.tokens[i]!}` }
}

/**
 * Signs every user in again: access tokens expire (JWT_TTL_SECONDS, 15 min by default), and a
 * fault test waiting long for a restore may outlive them.
 */
export async function renewTokens (users: TestUsers): Promise<void> {
  for (let i = 0; i < users.ids.length; i++) users.tokens[i] = await signIn(userServiceUrl, { username: users.usernames[i]! }, TEST_PASSWORD)
}

export async function deleteUsers (users: TestUsers): Promise<void> {
  await renewTokens(users).catch(() => undefined)
  await Promise.all(users.ids.map((id, i) => fetch(`${usersUrl}/${id}`, { method: 'DELETE', headers: authorization(users, i) }).catch(() => undefined)))
}

export async function mailsOf (users: TestUsers): Promise<Mail[]> {
  return (await capturedMails() as Mail[]).filter(m => m.to.some(t => t.startsWith(`${users.prefix}-`)))
}

export const addressOf = (n: number): string => `${n} Fault Street`

/** The new address a change mail names ("Address: old → new"), which identifies the update that caused it. */
export const updateOf = (mail: Mail): string | undefined => /Address: .* → (\d+ Fault Street)/.exec(mail.text)?.[1]

export async function changeMailsOf (users: TestUsers): Promise<Mail[]> {
  return (await mailsOf(users)).filter(m => m.subject === CHANGE_SUBJECT)
}

/**
 * PATCHes `total` updates (update n gives user n % users a new address) at `perSecond`, a few in
 * flight, so a fault lands in the middle of it. `sent` says how far it got; `perSecond` may be
 * changed while it runs (slow while faults come, fast once they are over).
 */
export function updateBurst (users: TestUsers, total: number, perSecond: number) {
  const progress = { sent: 0, perSecond, done: Promise.resolve() }
  progress.done = pacedLanes(total, progress, async n => {
    const i = n % users.ids.length
    const patch = () => fetch(`${usersUrl}/${users.ids[i]}`, { method: 'PATCH', headers: authorization(users, i), body: JSON.stringify({ address: addressOf(n) }) })
    let res = await patch()
    if (res.status === 401) {
      // The token expired during a long fault: sign in again and send the same update.
      users.tokens[i] = await signIn(userServiceUrl, { username: users.usernames[i]! }, TEST_PASSWORD)
      res = await patch()
    }
    assert.equal(res.status, 200, `PATCH #${n}: ${await res.text()}`)
    progress.sent++
  })
  return progress
}

/**
 * Runs `work(n)` for n = 0 … total - 1 on four lanes, started `pace.perSecond` a second: a rate
 * that may change while it runs (slow until a fault has hit, fast after). Four lanes take the
 * items in order, so item n + 4 or later never starts before item n was sent.
 */
export function pacedLanes (total: number, pace: { perSecond: number }, work: (n: number) => Promise<void>): Promise<void> {
  let due = performance.now()
  let next = 0
  return Promise.all(Array.from({ length: 4 }, async () => {
    while (next < total) {
      const n = next++
      const wait = due - performance.now()
      due = Math.max(due, performance.now()) + 1000 / pace.perSecond
      if (wait > 0) await sleep(wait)
      await work(n)
    }
  })).then(() => undefined)
}

/**
 * User updates through an outage of user-service's database: each is answered 200 (accepted) or
 * 503 with Retry-After naming the database (refused), never anything else.
 */
export function updatesThroughOutage (users: TestUsers, total: number, pace: { perSecond: number }) {
  const burst = { statuses: new Map<number, number>(), accepted: [] as number[], refused: [] as number[], answered: 0, done: Promise.resolve() }
  burst.done = pacedLanes(total, pace, async n => {
    const i = n % users.ids.length
    const res = await fetch(`${usersUrl}/${users.ids[i]}`, { method: 'PATCH', headers: authorization(users, i), body: JSON.stringify({ address: addressOf(n) }) })
    burst.statuses.set(res.status, (burst.statuses.get(res.status) ?? 0) + 1)
    if (res.status === 200) burst.accepted.push(n)
    else if (res.status === 503) {
      burst.refused.push(n)
      assert.ok(res.headers.get('retry-after'), `PATCH #${n}: a 503 says when to retry`)
      const body = await res.json() as { error: string, dependency: string }
      assert.equal(body.error, 'UNAVAILABLE')
      assert.match(body.dependency, /userdata database/)
    } else assert.fail(`PATCH #${n} answered ${res.status}: ${await res.text()}`)
    burst.answered++
  })
  return burst
}

export interface Tally<T = Mail> { expected: number, received: number, missing: string[], doubled: Map<string, T[]>, unrecognised: number }

/** Effects against what was expected: each expected key once, nothing else. */
export function tally<T> (expected: string[], effects: T[], keyOf: (effect: T) => string | undefined): Tally<T> {
  const byKey = new Map<string, T[]>()
  const wanted = new Set(expected)
  let unrecognised = 0
  for (const effect of effects) {
    const key = keyOf(effect)
    if (key === undefined || !wanted.has(key)) { unrecognised++; continue }
    byKey.set(key, [...(byKey.get(key) ?? []), effect])
  }
  const missing = expected.filter(k => !byKey.has(k))
  const doubled = new Map([...byKey].filter(([, list]) => list.length > 1))
  return { expected: expected.length, received: effects.length, missing, doubled, unrecognised }
}

export const describeTally = (t: Tally<unknown>): string =>
  `expected=${t.expected} received=${t.received} missing=${t.missing.length} doubled=${[...t.doubled.values()].reduce((n, l) => n + l.length - 1, 0)} unrecognised=${t.unrecognised}`

/** Polls until every expected change mail arrived (more may still be on their way: counted afterwards). */
export function waitForChangeMails (users: TestUsers, total: number, timeoutMs = 180_000): Promise<Mail[]> {
  return eventually(async () => {
    const mails = await changeMailsOf(users)
    const seen = new Set(mails.map(updateOf))
    if (seen.size < total) throw new Error(`${seen.size} of ${total} updates mailed`)
    return mails
  }, timeoutMs, 500)
}

/** Polls until the group has committed to the end of the topic; how long that took. */
export async function waitForLagZero (groupId: string, topic: string, timeoutMs = 180_000): Promise<void> {
  await eventually(async () => assert.ok(await groupCaughtUp(groupId, topic), `${groupId} still behind on ${topic}`), timeoutMs, 500)
}

/** How many records a (dead-letter) topic has received so far: the sum of its end offsets. */
export async function recordsSoFar (topic: string): Promise<bigint> {
  return (await topicEndOffsets(topic)).reduce((sum, end) => sum + end, 0n)
}

/**
 * The fault hit work in flight: read right after it (the process gone), fewer than half of the
 * effects were done. Asserted at once, so a fault that came late fails the test before the recovery.
 */
export function assertInFlight (what: string, done: number, of: number): void {
  assert.ok(done < of / 2, `the fault came too late: ${done} of ${of} ${what} already done when it hit (fewer than half expected)`)
}

/** Waits until `count` effects are in, for a fault that should hit a burst under way. */
export function whenAtLeast (count: () => Promise<number>, threshold: number, timeoutMs = 120_000): Promise<number> {
  return eventually(async () => {
    const n = await count()
    if (n < threshold) throw new Error(`${n} of ${threshold} effects so far`)
    return n
  }, timeoutMs, 100)
}

/**
 * The end of a mail-path fault test: waits for every change mail and for lag 0, prints the figures
 * (from the start of the restore), and asserts each mail once, nothing missing, nothing dead-lettered.
 */
export async function assertEveryChangeMailedOnce (label: string, o: { users: TestUsers, total: number, restoredAt: number, dlqBefore: bigint }): Promise<void> {
  const expected = Array.from({ length: o.total }, (_, n) => addressOf(n))
  await waitForChangeMails(o.users, o.total)
  const lastEffect = elapsed(o.restoredAt)
  await waitForLagZero(NOTIFICATION_GROUP, USERS_TOPIC)
  const lagZero = elapsed(o.restoredAt)
  const result = tally(expected, await changeMailsOf(o.users), updateOf)
  const deadLettered = await recordsSoFar(USERS_DLQ) - o.dlqBefore
  console.log(`${label}: ${describeTally(result)} dead-lettered=${deadLettered}; from the start of the restore: last mail ${lastEffect}, lag 0 ${lagZero}`)
  for (const [update, twins] of result.doubled) console.log(`  doubled: ${update} → ${twins.map(m => m.messageId).join(', ')}`)
  assert.equal(deadLettered, 0n, `nothing added to ${USERS_DLQ}`)
  assert.deepEqual(result.missing, [], 'no change mail missing')
  assert.deepEqual([...result.doubled.keys()], [], 'no change mail twice')
  assert.equal(result.unrecognised, 0, 'no mail but the burst\'s')
  assert.equal(result.received, o.total)
}
