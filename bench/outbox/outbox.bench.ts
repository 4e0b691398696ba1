// Seed 004: the transactional outbox end to end, per relay. POST /posts → MariaDB commit (post +
// outbox row) → relay → outbox.event.post → subscribe-service → notification row in PostgreSQL.
// The CDC relay is the stack's post-service with Debezium's EventRouter; the polling relay is a
// post-service this bench starts as its own process with OUTBOX_RELAY=polling, on a database the
// connector does not capture. Both feed the stack's subscribe-service. Besides rates and latencies
// it prints the CPU each accepted post cost each component in the flat-out phase (on a small
// shared machine the rates swing with the neighbours' load, the CPU per post much less), the posts
// notified twice, and MariaDB's ceiling for the two-row transaction sent as four round trips (the
// goals' reference) and as two (as post-service sends it).
//   node bench/outbox/outbox.bench.ts [--rate 100] [--duration 15] [--connections 32] [--authors 50]
//     [--order cdc,polling] [--idle-seconds 10] [--ceiling-seconds 5] [--drain-timeout 120]
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { availableParallelism, loadavg } from 'node:os'
import { setTimeout as delay } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import type { Histogram } from 'hdr-histogram-js'
import mysql from 'mysql2/promise'
import pThrottle from 'p-throttle'
import { Pool } from 'undici'
import { serviceEnv } from '@ripple/stack/components'
import { endpoints, loadStackConfig } from '@ripple/stack'
import { forEachLimit, pollUntil, requestJson, signIn, wallNow } from '../cdc-email/pipeline.ts'
import { fmt, MB, microsHistogram, positiveInt, printTable, trackRssPeak } from '../support/report.ts'
import { componentPids, coresBetween, MACHINE, OTHERS, sampleCpu } from '../support/stack-cpu.ts'
import { deltaBetween, mariadbCeiling, ratesBetween, statusSampler } from './mariadb.ts'
import type { CeilingFigures, Counters } from './mariadb.ts'

const { values: args } = parseArgs({
  options: {
    // The paced phase: posts per second, open loop, well under saturation, for latency.
    'rate': { type: 'string', default: '100' },
    'duration': { type: 'string', default: '15' },
    // The flat-out phase: this many requests in flight at once, for the sustained rate.
    'connections': { type: 'string', default: '32' },
    'authors': { type: 'string', default: '50' },
    // Which relay goes first: on a small machine the second one finds caches and JITs warmer.
    'order': { type: 'string', default: 'cdc,polling' },
    'idle-seconds': { type: 'string', default: '10' },
    'ceiling-seconds': { type: 'string', default: '5' },
    'drain-timeout': { type: 'string', default: '120' }
  }
})
const rate = positiveInt('rate', args.rate)
const duration = positiveInt('duration', args.duration)
const connections = positiveInt('connections', args.connections)
const authorCount = positiveInt('authors', args.authors)
const idleSeconds = positiveInt('idle-seconds', args['idle-seconds'])
const ceilingSeconds = positiveInt('ceiling-seconds', args['ceiling-seconds'])
const drainTimeoutMs = positiveInt('drain-timeout', args['drain-timeout']) * 1000
const order = args.order.split(',').map(r => r.trim())
if (order.length !== 2 || !order.includes('cdc') || !order.includes('polling')) throw new Error(`--order must name cdc and polling, e.g. polling,cdc; got ${args.order}`)

// Benchmarks log in to Kafka as the tests' principal, ripple-test.
const config = loadStackConfig({ ...process.env, RIPPLE_KAFKA_PRINCIPAL: 'ripple-test' })
const ep = endpoints(config)
const run = Date.now().toString(36)
const rss = trackRssPeak()
const log = (line: string) => console.error(`outbox ${run}: ${line}`)
const subscribeApi = new Pool(`http://${config.host}:${config.ports.subscribeService}`, { connections: 8 })
const userApi = new Pool(`http://${config.host}:${config.ports.userService}`, { connections: 8 })
// subscribe-service serves a subscriber's own token or an admin's: the bench acts for all its
// subscribers with one admin token, from an admin sign-in at user-service (the only signer).
const adminSignIn = await requestJson<{ accessToken: string }>(userApi, 'POST', '/auth/token', { adminKey: config.secrets.generated.ADMIN_KEY })
if (adminSignIn.status !== 200 || !adminSignIn.body) throw new Error(`admin sign-in answered ${adminSignIn.status}: ${adminSignIn.text.slice(0, 200)}`)
const adminToken = adminSignIn.body.accessToken

/** requestJson on subscribe-service, with the admin token. */
async function subscribeJson<T> (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number, body: T | undefined, text: string }> {
  const res = await subscribeApi.request({
    method,
    path,
    headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? null : JSON.stringify(body),
    headersTimeout: 60_000,
    bodyTimeout: 60_000
  })
  const text = await res.body.text()
  return { status: res.statusCode, body: text !== '' && String(res.headers['content-type'] ?? '').includes('json') ? JSON.parse(text) as T : undefined, text }
}

type RelayName = 'cdc' | 'polling'
interface Sent { title: string, author: number, startedAt: number, doneAt: number, status: number }
interface Phase { name: string, sent: Sent[], notifiedAt: Map<string, number>, /** Posts notified more than once. */ doubled: Set<string> }

/**
 * The authors are users of user-service, each signed up and signed in once before the phases
 * (post-service takes a post from its author's token only); a post reuses its author's token, so
 * the rates measure posting, not signing in. Tokens last 15 minutes, longer than a relay's run.
 */
const authors = new Map<RelayName, Array<{ id: string, token: string }>>()
const authorOf = (relay: RelayName, i: number) => authors.get(relay)![i]!.id
const authorTokenOf = (relay: RelayName, i: number) => authors.get(relay)![i]!.token

async function signUpAuthors (relay: RelayName): Promise<void> {
  const signedIn: Array<{ id: string, token: string }> = []
  await forEachLimit(Array.from({ length: authorCount }, (_, i) => i), 4, async i => {
    const username = `bench-${run}-${relay}-a${i}`
    const password = `bench password ${run} ${i}`
    const res = await requestJson<{ id: string }>(userApi, 'POST', '/users', { username, email: `${username}@example.com`, password })
    if (res.status !== 201 || !res.body) throw new Error(`POST /users answered ${res.status}: ${res.text.slice(0, 200)}`)
    signedIn[i] = { id: res.body.id, token: await signIn(userApi, username, password) }
  })
  authors.set(relay, signedIn)
}
const subscriberOf = (relay: RelayName, i: number) => `bench-${run}-${relay}-s${i}`

async function freePort (): Promise<number> {
  const server = createServer().listen(0, config.host)
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  return port
}

/** A post-service process with the polling relay, as `./ripple up` would start one, on a database of its own. */
async function startPollingPostService (): Promise<{ url: string, database: string, pid: number, stop: () => Promise<void> }> {
  const port = await freePort()
  const database = `bench_polling_${run}`
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', `${config.repoRoot}/services/post-service/src/main.ts`], {
    cwd: `${config.repoRoot}/services/post-service`,
    env: { ...process.env, ...serviceEnv(config), PORT: String(port), MARIADB_DATABASE: database, OUTBOX_RELAY: 'polling', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit']
  })
  const url = `http://${config.host}:${port}`
  const healthy = await pollUntil(async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok === true, Date.now() + 30_000, 200)
  if (!healthy) throw new Error(`the polling post-service did not answer at ${url}/health within 30 s`)
  return {
    url,
    database,
    pid: child.pid!,
    async stop () {
      child.kill('SIGTERM')
      await once(child, 'exit')
      const conn = await mysql.createConnection(ep.mariadb)
      await conn.query(`DROP DATABASE IF EXISTS \`${database}\``).finally(() => conn.end())
    }
  }
}

async function subscribeAll (relay: RelayName): Promise<void> {
  await forEachLimit(Array.from({ length: authorCount }, (_, i) => i), 8, async i => {
    const res = await subscribeJson('POST', '/subscriptions', { subscriberId: subscriberOf(relay, i), authorId: authorOf(relay, i) })
    if (res.status !== 201) throw new Error(`POST /subscriptions answered ${res.status}: ${res.text.slice(0, 200)}`)
  })
}

async function unsubscribeAll (relay: RelayName): Promise<void> {
  await forEachLimit(Array.from({ length: authorCount }, (_, i) => i), 8, async i => {
    await subscribeJson('DELETE', `/subscriptions/${subscriberOf(relay, i)}/${authorOf(relay, i)}`).catch(() => undefined)
  })
}

/** Posts round-robin over the authors: paced (open loop at `rate`/s) or flat out (`inFlight` at once), for `seconds`. */
async function drive (api: Pool, relay: RelayName, phase: string, mode: { rate: number } | { inFlight: number }, seconds = duration): Promise<Sent[]> {
  const sent: Sent[] = []
  const post = async (k: number) => {
    const s: Sent = { title: `${run} ${relay} ${phase} #${k}`, author: k % authorCount, startedAt: wallNow(), doneAt: 0, status: 0 }
    sent.push(s)
    try {
      const res = await requestJson(api, 'POST', '/posts', { authorId: authorOf(relay, s.author), title: s.title, content: `Benchmark post ${k} of ${phase}` }, authorTokenOf(relay, s.author))
      s.status = res.status
    } catch {
      s.status = -1
    }
    s.doneAt = wallNow()
  }
  const end = Date.now() + seconds * 1000
  if ('rate' in mode) {
    // Each call is queued on its schedule, whether or not earlier ones answered.
    const throttled = pThrottle({ limit: 1, interval: 1000 / mode.rate })(post)
    await Promise.all(Array.from({ length: mode.rate * seconds }, (_, k) => throttled(k)))
  } else {
    let k = 0
    await Promise.all(Array.from({ length: mode.inFlight }, async () => { while (Date.now() < end) await post(k++) }))
  }
  return sent
}

/** Waits until every accepted post of the phases (all so far: a subscriber's total counts them all) has its notification, and notes when each was recorded. */
async function awaitNotifications (relay: RelayName, phases: Phase[]): Promise<boolean> {
  const expected = new Map<number, number>()
  for (const p of phases) for (const s of p.sent) if (s.status === 201) expected.set(s.author, (expected.get(s.author) ?? 0) + 1)
  const deadline = Date.now() + drainTimeoutMs
  let lastLog = 0
  const pending = new Set(expected.keys())
  const done = await pollUntil(async () => {
    await forEachLimit([...pending], 8, async i => {
      const res = await subscribeJson<{ total: number }>('GET', `/notifications?subscriberId=${subscriberOf(relay, i)}&limit=1`)
      if ((res.body?.total ?? 0) >= (expected.get(i) ?? 0)) pending.delete(i)
    })
    if (Date.now() - lastLog > 5000) { log(`${relay}: ${authorCount - pending.size} of ${expected.size} subscribers have all their notifications`); lastLog = Date.now() }
    return pending.size === 0
  }, deadline, 250)
  const byTitle = new Map<string, number>()
  const doubled = new Set<string>()
  await forEachLimit([...expected.keys()], 8, async i => {
    for (let offset = 0; ; offset += 1000) {
      const res = await subscribeJson<{ items: Array<{ post: { title: string }, createdAt: string }> }>('GET', `/notifications?subscriberId=${subscriberOf(relay, i)}&limit=1000&offset=${offset}`)
      const items = res.body?.items ?? []
      for (const n of items) {
        // Each author has one subscriber: a title seen twice is a post notified twice.
        if (byTitle.has(n.post.title)) doubled.add(n.post.title)
        byTitle.set(n.post.title, Date.parse(n.createdAt))
      }
      if (items.length < 1000) break
    }
  })
  for (const p of phases) {
    for (const s of p.sent) {
      const at = byTitle.get(s.title)
      if (at !== undefined) p.notifiedAt.set(s.title, at)
      if (doubled.has(s.title)) p.doubled.add(s.title)
    }
  }
  return !done
}

const ms = (h: Histogram, p: number) => h.getValueAtPercentile(p) / 1000
const record = (h: Histogram, millis: number) => h.recordValue(Math.max(0, Math.round(millis * 1000)))
const quantiles = (h: Histogram) => ({ p50: ms(h, 50), p95: ms(h, 95), p99: ms(h, 99), max: h.maxValue / 1000 })

function figures (phase: Phase) {
  const ok = phase.sent.filter(s => s.status === 201)
  const http = microsHistogram()
  const e2e = microsHistogram()
  for (const s of ok) record(http, s.doneAt - s.startedAt)
  const notified = ok.filter(s => phase.notifiedAt.has(s.title))
  // Commit time: the 201's arrival, just after the transaction committed.
  for (const s of notified) record(e2e, phase.notifiedAt.get(s.title)! - s.doneAt)
  const firstStart = Math.min(...phase.sent.map(s => s.startedAt))
  const lastDone = Math.max(...ok.map(s => s.doneAt))
  const lastNotified = Math.max(...notified.map(s => phase.notifiedAt.get(s.title)!))
  return {
    posts: phase.sent.length,
    accepted: ok.length,
    failed: phase.sent.length - ok.length,
    missing: ok.length - notified.length,
    doubled: phase.doubled.size,
    postsPerSec: ok.length / ((lastDone - firstStart) / 1000),
    notificationsPerSec: notified.length / ((lastNotified - firstStart) / 1000),
    drainSec: (lastNotified - lastDone) / 1000,
    httpMs: quantiles(http),
    commitToNotifiedMs: quantiles(e2e)
  }
}

// The components one post goes through (and the bench's own client), for CPU per post: on a small
// shared machine the rates are noisy, the CPU each post costs is not.
const PATH_COMPONENTS = ['post-service', 'mariadb', 'connect', 'kafka', 'subscribe-service', 'postgres']
const BENCH = 'bench (this process)'
const POLLING_POST_SERVICE = 'post-service (polling)'

/** CPU ms per accepted post of each component over the flat-out phase and its drain. */
function cpuPerPost (components: Map<string, number>, before: Map<string, number>, after: Map<string, number>, posts: number): Record<string, number> {
  const cores = coresBetween(before, after, 1)
  const perPost = Object.fromEntries([...components.keys(), OTHERS, MACHINE].map(name => [name, (cores.get(name) ?? 0) * 1000 / posts]))
  // The polling post-service is this process's child, so its CPU is in both trees: count it once.
  const child = perPost[POLLING_POST_SERVICE]
  if (child !== undefined) {
    perPost[BENCH] = perPost[BENCH]! - child
    perPost[OTHERS] = perPost[OTHERS]! + child
  }
  return perPost
}

async function benchRelay (relay: RelayName, url: string, sampler: Awaited<ReturnType<typeof statusSampler>>, components: Map<string, number>) {
  const api = new Pool(url, { connections: Math.max(connections, 16), keepAliveTimeout: 60_000 })
  try {
    await signUpAuthors(relay)
    await subscribeAll(relay)
    log(`${relay}: warm-up, then paced at ${rate}/s for ${duration} s`)
    const warm: Phase = { name: 'warm-up', sent: await drive(api, relay, 'warm-up', { inFlight: 4 }, 2), notifiedAt: new Map(), doubled: new Set() }
    const paced: Phase = { name: 'paced', sent: await drive(api, relay, 'paced', { rate }), notifiedAt: new Map(), doubled: new Set() }
    const pacedTimedOut = await awaitNotifications(relay, [warm, paced])
    log(`${relay}: flat out with ${connections} requests in flight for ${duration} s`)
    const before = await sampler.sample()
    const cpuBefore = sampleCpu(components)
    const flat: Phase = { name: 'flat', sent: await drive(api, relay, 'flat', { inFlight: connections }), notifiedAt: new Map(), doubled: new Set() }
    const cpuLoaded = sampleCpu(components)
    const loaded = await sampler.sample()
    const flatTimedOut = await awaitNotifications(relay, [warm, paced, flat])
    const cpuDrained = sampleCpu(components)
    const drained = await sampler.sample()
    const flatFigures = figures(flat)
    const statements = deltaBetween(before, drained)
    const perPost = Object.fromEntries(Object.entries(statements).map(([k, v]) => [k, v / flatFigures.accepted])) as Counters
    return {
      paced: { ...figures(paced), timedOut: pacedTimedOut },
      flat: { ...flatFigures, timedOut: flatTimedOut },
      mariadb: { perPost, loadQps: ratesBetween(before, loaded).Questions, drainSec: (drained.at - loaded.at) / 1000 },
      // The drain includes the bench's polls of subscribe-service, so its CPU per post is an upper bound.
      cpuMsPerPost: { flat: cpuPerPost(components, cpuBefore, cpuLoaded, flatFigures.accepted), withDrain: cpuPerPost(components, cpuBefore, cpuDrained, flatFigures.accepted) }
    }
  } finally {
    await unsubscribeAll(relay).catch(() => undefined)
    await api.close()
  }
}

async function idleRates (sampler: Awaited<ReturnType<typeof statusSampler>>): Promise<Counters> {
  const a = await sampler.sample()
  await delay(idleSeconds * 1000)
  return ratesBetween(a, await sampler.sample())
}

const sampler = await statusSampler(ep.mariadb)
let polling: Awaited<ReturnType<typeof startPollingPostService>> | undefined
try {
  const cdcUrl = `http://${config.host}:${config.ports.postService}`
  const health = await (await fetch(`${cdcUrl}/health`)).json() as { outboxRelay?: string }
  // post-service's /health no longer names its relay; when it does, it must be cdc.
  if (health.outboxRelay !== undefined && health.outboxRelay !== 'cdc') throw new Error(`the stack's post-service at ${cdcUrl} runs the ${health.outboxRelay} relay; the bench needs it on cdc`)

  log(`idle ${idleSeconds} s with only the CDC relay (the connector streams the binlog, post-service only cleans up once a minute)`)
  const idleCdc = await idleRates(sampler)
  polling = await startPollingPostService()
  await delay(2000)
  log(`idle ${idleSeconds} s with the polling relay running as well`)
  const idleBoth = await idleRates(sampler)

  const results = new Map<string, Awaited<ReturnType<typeof benchRelay>>>()
  const stackPids = componentPids(config.paths.pm2)
  const componentsOf = (relay: RelayName) => new Map([
    ...PATH_COMPONENTS.map(name => [relay === 'polling' && name === 'post-service' ? 'post-service (cdc, idle)' : name, stackPids.get(name) ?? -1] as const),
    ...(relay === 'polling' ? [[POLLING_POST_SERVICE, polling!.pid] as const] : []),
    [BENCH, process.pid] as const
  ])
  for (const relay of order) results.set(relay, relay === 'cdc' ? await benchRelay('cdc', cdcUrl, sampler, componentsOf('cdc')) : await benchRelay('polling', polling.url, sampler, componentsOf('polling')))
  const cdc = results.get('cdc')!
  const poll = results.get('polling')!
  log(`MariaDB ceiling: ${connections} connections for ${ceilingSeconds} s, four round trips per transaction, then two as post-service sends them`)
  const ceiling: CeilingFigures = await mariadbCeiling({ connection: ep.mariadb, database: `bench_ceiling_${run}`, connections, seconds: ceilingSeconds, roundTrips: 4 })
  const ceilingAsPostService: CeilingFigures = await mariadbCeiling({ connection: ep.mariadb, database: `bench_ceiling2_${run}`, connections, seconds: ceilingSeconds, roundTrips: 2 })

  const q3 = (q: { p50: number, p95: number, p99: number }) => [q.p50, q.p95, q.p99].map(fmt).join(' / ')
  const q2 = (q: { p50: number, p99: number }) => [q.p50, q.p99].map(fmt).join(' / ')
  const ratios = (perSec: number) => `${(perSec / ceiling.perSec).toFixed(2)} / ${(perSec / ceilingAsPostService.perSec).toFixed(2)}`
  const per = (c: Counters) => `${c.Questions.toFixed(2)} (${c.Com_select.toFixed(2)} / ${c.Com_insert.toFixed(2)} / ${c.Com_delete.toFixed(2)})`
  const pollingIdleExtra = idleBoth.Questions - idleCdc.Questions
  console.log(`\noutbox ${run}: ${authorCount} authors with one subscriber each; paced ${rate} posts/s for ${duration} s, then flat out with ${connections} requests in flight for ${duration} s, per relay, ${order.join(' then ')}; ${availableParallelism()} cores for everything, load average ${loadavg()[0]!.toFixed(1)} at the end`)
  printTable([
    ['', 'MariaDB ceiling (4 / 2 round trips)', 'cdc (EventRouter)', 'polling relay'],
    [`posts/s sustained (${connections} in flight)`, `${fmt(ceiling.perSec)} / ${fmt(ceilingAsPostService.perSec)}`, fmt(cdc.flat.postsPerSec), fmt(poll.flat.postsPerSec)],
    ['  ÷ ceiling (4 / 2 round trips)', '-', ratios(cdc.flat.postsPerSec), ratios(poll.flat.postsPerSec)],
    ['  post latency p50 / p95 / p99 ms', q3({ p50: ceiling.p50Ms, p95: ceiling.p95Ms, p99: ceiling.p99Ms }), q3(cdc.flat.httpMs), q3(poll.flat.httpMs)],
    ['  notifications recorded/s, end to end', '-', fmt(cdc.flat.notificationsPerSec), fmt(poll.flat.notificationsPerSec)],
    ['  drain after the last post s', '-', cdc.flat.drainSec.toFixed(1), poll.flat.drainSec.toFixed(1)],
    ['  commit→notification p50 / p99 ms (with backlog)', '-', q2(cdc.flat.commitToNotifiedMs), q2(poll.flat.commitToNotifiedMs)],
    [`commit→notification at ${rate}/s p50 / p95 / p99 ms`, '-', q3(cdc.paced.commitToNotifiedMs), q3(poll.paced.commitToNotifiedMs)],
    [`  max ms`, '-', fmt(cdc.paced.commitToNotifiedMs.max), fmt(poll.paced.commitToNotifiedMs.max)],
    ['posts failed / notifications missing / doubled', '0 / - / -', `${cdc.paced.failed + cdc.flat.failed} / ${cdc.paced.missing + cdc.flat.missing} / ${cdc.paced.doubled + cdc.flat.doubled}`, `${poll.paced.failed + poll.flat.failed} / ${poll.flat.missing + poll.paced.missing} / ${poll.paced.doubled + poll.flat.doubled}`],
    ['MariaDB statements/s while idle', '-', `${idleCdc.Questions.toFixed(2)} (whole server)`, `+${pollingIdleExtra.toFixed(2)}`],
    ['MariaDB statements per post (select / insert / delete)', '4 (0 / 2 / 0)', per(cdc.mariadb.perPost), per(poll.mariadb.perPost)]
  ])
  const fmt2 = (v: number | undefined) => v === undefined ? '-' : v.toFixed(2)
  const cpuRow = (name: string, label = name) => [`  ${label}`, '-', fmt2(cdc.cpuMsPerPost.flat[name]), fmt2(poll.cpuMsPerPost.flat[name])]
  console.log('\nCPU ms per accepted post over the flat-out phase (a relay and subscribe-service may still be behind at its end; RESULT has the figures with the drain)')
  printTable([
    ['', '', 'cdc', 'polling'],
    [...cpuRow('post-service', 'post-service (cdc / polling process)').slice(0, 3), fmt2(poll.cpuMsPerPost.flat[POLLING_POST_SERVICE])],
    ...['mariadb', 'connect', 'kafka', 'subscribe-service', 'postgres', BENCH, OTHERS, MACHINE].map(n => cpuRow(n))
  ])
  console.log('statements per post: the server\'s Questions over the flat-out phase and its drain, divided by the posts; post-service\'s own write is 4 (BEGIN, 2 INSERTs, COMMIT) as in the ceiling, sent in two round trips. ' +
    'Notification time is subscribe-service\'s transaction start; commit time the 201\'s arrival.')
  console.log(`RESULT ${JSON.stringify({
    run, rate, duration, connections, authors: authorCount, order, loadAverage: loadavg(),
    ceiling, ceilingAsPostService, cdc, polling: poll,
    idleQuestionsPerSec: { cdcOnly: idleCdc.Questions, withPolling: idleBoth.Questions, pollingExtra: pollingIdleExtra, counters: { cdcOnly: idleCdc, withPolling: idleBoth } },
    rssPeakMb: rss.peak() / MB
  })}`)
} finally {
  await polling?.stop().catch((e: unknown) => console.error(`cleanup failed: ${String(e)}`))
  await sampler.close()
  await subscribeApi.close()
  await userApi.close()
}
