// End to end through the running stack: PATCH /users/:id on user-service → MariaDB commit → binlog →
// Debezium (Kafka Connect) → cdc.table.userdata.users → notification-service → SMTP capture. Updates
// go at a fixed rate (open loop: each is sent on its schedule whether or not earlier ones answered),
// and every update's mail is found by the unique address it sets.
//   node bench/cdc-email/cdc-email.bench.ts [--rate 1000] [--duration 20] [--users 200]
//     [--connections 64] [--ceiling-connections 16] [--ceiling-seconds 5] [--mail-timeout 300]
import { availableParallelism } from 'node:os'
import { setTimeout as delay } from 'node:timers/promises'
import { Admin } from '@platformatic/kafka'
import type { Histogram } from 'hdr-histogram-js'
import pThrottle from 'p-throttle'
import { Pool } from 'undici'
import { endpoints, loadStackConfig } from '@ripple/stack'
import { benchOptions } from '../support/args.ts'
import { fmt, MB, microsHistogram, printTable, trackRssPeak } from '../support/report.ts'
import { componentPids, coresBetween, MACHINE, OTHERS, sampleCpu } from '../support/stack-cpu.ts'
import { CEILING_TABLE, mariadbCeiling } from './ceiling.ts'
import type { CeilingFigures } from './ceiling.ts'
import {
  capturedCount, consumerDelta, consumerMetrics, forEachLimit, mailsTo, newAddressIn, pollUntil, requestJson,
  signIn, tapChangeEvents, wallNow, WELCOME_SUBJECT
} from './pipeline.ts'
import type { ChangeEventTimes, ConsumerMetrics, PresentedUser } from './pipeline.ts'

// connections: HTTP/1.1 keep-alive connections to user-service; requests beyond them queue in the
// client, and that wait counts as latency. mail-timeout: how long after the last update answered to
// wait for its mails (s).
const {
  rate, duration, users: userCount, connections, 'ceiling-connections': ceilingConnections, 'ceiling-seconds': ceilingSeconds, 'mail-timeout': mailTimeout
} = benchOptions({ rate: 1000, duration: 20, users: 200, connections: 64, 'ceiling-connections': 16, 'ceiling-seconds': 5, 'mail-timeout': 300 })
const mailTimeoutMs = mailTimeout * 1000

const TOPIC = 'cdc.table.userdata.users'
// Benchmarks log in to Kafka as the tests' principal, ripple-test.
const config = loadStackConfig({ ...process.env, RIPPLE_KAFKA_PRINCIPAL: 'ripple-test' })
const ep = endpoints(config)
const metricsUrl = `http://${config.host}:${config.ports.notificationService}/metrics`
const run = Date.now().toString(36)
const group = `bench.cdc-email.${run}`
const rss = trackRssPeak()
const log = (line: string) => console.error(`cdc-email ${run}: ${line}`)

const api = new Pool(`http://${config.host}:${config.ports.userService}`, { connections, keepAliveTimeout: 60_000 })
const mailApi = new Pool(ep.mailApiUrl, { connections: 4 })
const tap = tapChangeEvents(ep.kafkaBrokers, ep.kafkaSasl, group, TOPIC, address => address.startsWith(`bench-${run} #`))
const stackPids = () => componentPids(config.paths.pm2).set('bench (this process)', process.pid)

// Each bench user signs up, then signs in: PATCH and DELETE /users/:id need the owner's access token.
interface BenchUser { i: number, id: string, username: string, email: string, createdAt: number, token: string }
const PASSWORD = 'bench-password'

interface Update {
  k: number
  user: number
  address: string
  /** Wall-clock ms: on the schedule, when the request started, when its answer came back. */
  intendedAt: number
  startedAt: number
  doneAt: number
  /** HTTP status; 0 for a transport error. */
  status: number
  /** The row's lastUpdated as the response showed it, in ms. */
  lastUpdatedMs: number
  /** Capture dates of the mails naming this update's address. */
  mails: number[]
}

const users: BenchUser[] = []
const updates: Update[] = []
const byAddress = new Map<string, Update>()
const failures: string[] = []

const ms = (h: Histogram, p: number) => h.getValueAtPercentile(p) / 1000
const record = (h: Histogram, millis: number) => h.recordValue(Math.max(0, Math.round(millis * 1000)))
const quartet = (h: Histogram) => ({ p50: ms(h, 50), p95: ms(h, 95), p99: ms(h, 99), max: h.maxValue / 1000 })

async function createUsers (): Promise<{ seconds: number, welcomeSeconds: number, welcome: ReturnType<typeof quartet> }> {
  const start = Date.now()
  await forEachLimit(Array.from({ length: userCount }, (_, i) => i), 8, async i => {
    const email = `bench-${run}-${i}@bench.test`
    const username = `bench-${run}-${i}`
    const res = await requestJson<PresentedUser>(api, 'POST', '/users', {
      username, email, password: PASSWORD, fullName: `Bench User ${i}`, address: `bench-${run} u${i} start`
    })
    if (res.status !== 201 || !res.body) throw new Error(`POST /users answered ${res.status}: ${res.text.slice(0, 300)}`)
    const createdAt = wallNow()
    users[i] = { i, id: res.body.id, username, email, createdAt, token: await signIn(api, username, PASSWORD) }
  })
  const created = Date.now()
  log(`${userCount} users created in ${((created - start) / 1000).toFixed(1)} s; waiting for their welcome mails`)
  // The pipeline is warm once every user got their welcome mail.
  const welcome = new Map<number, number>()
  const arrived = await pollUntil(async () => {
    await forEachLimit(users.filter(u => !welcome.has(u.i)), 4, async u => {
      const mail = (await mailsTo(mailApi, u.email)).find(m => m.subject === WELCOME_SUBJECT)
      if (mail) welcome.set(u.i, Date.parse(mail.date))
    })
    return welcome.size === userCount
  }, Date.now() + 120_000, 500)
  if (!arrived) throw new Error(`only ${welcome.size} of ${userCount} welcome mails arrived within 120 s: is notification-service consuming ${TOPIC}?`)
  const latency = microsHistogram()
  for (const [i, date] of welcome) record(latency, date - users[i]!.createdAt)
  return { seconds: (created - start) / 1000, welcomeSeconds: (Math.max(...welcome.values()) - start) / 1000, welcome: quartet(latency) }
}

/** Samples notification-service's lag while the load runs and drains; it measures it every 5 s. */
function watchLag () {
  let max = 0
  let last = ''
  const timer = setInterval(() => {
    consumerMetrics(metricsUrl, TOPIC).then(m => { max = Math.max(max, m.lag) }, (e: unknown) => { last = String(e) })
  }, 2000)
  return { stop: () => { clearInterval(timer); if (last) log(`lag sampling failed: ${last}`); return max } }
}

async function drive (): Promise<void> {
  const interval = 1000 / rate
  const total = rate * duration
  // Each call is given its start time when queued (the n-th at the first + n x interval), so a late
  // timer or a slow answer never shifts the ones after it: the schedule is open loop.
  const throttled = pThrottle({ limit: 1, interval })
  let t0 = 0
  const patch = throttled(async (k: number) => {
    const user = users[k % userCount]!
    const u = updates[k]!
    u.startedAt = wallNow()
    u.intendedAt = t0 + k * interval
    try {
      const res = await requestJson<PresentedUser>(api, 'PATCH', `/users/${user.id}`, { address: u.address }, user.token)
      u.doneAt = wallNow()
      u.status = res.status
      if (res.status === 200 && res.body) {
        u.lastUpdatedMs = Date.parse(res.body.lastUpdated)
        if (res.body.address !== u.address) throw new Error(`PATCH answered address ${res.body.address}, sent ${u.address}`)
      } else if (failures.length < 5) failures.push(`${res.status} ${res.text.slice(0, 200)}`)
    } catch (e) {
      u.doneAt ||= wallNow()
      if (u.status === 200) u.status = -1
      if (failures.length < 5) failures.push(String(e))
    }
  })
  for (let k = 0; k < total; k++) {
    const u: Update = { k, user: k % userCount, address: `bench-${run} #${k}`, intendedAt: 0, startedAt: 0, doneAt: 0, status: 0, lastUpdatedMs: Number.NaN, mails: [] }
    updates.push(u)
    byAddress.set(u.address, u)
  }
  const progress = setInterval(() => log(`load: ${updates.filter(u => u.startedAt > 0).length} sent, ${updates.filter(u => u.doneAt > 0).length} answered`), 5000)
  try {
    t0 = wallNow()
    await Promise.all(updates.map(u => patch(u.k)))
  } finally {
    clearInterval(progress)
  }
}

/** Files each mail of a user under the update whose address it names; answers mails naming none of them. */
function apply (user: BenchUser, mails: Awaited<ReturnType<typeof mailsTo>>): number {
  let foreign = 0
  for (let k = user.i; k < updates.length; k += userCount) updates[k]!.mails = []
  for (const mail of mails) {
    const address = newAddressIn(mail)
    if (address === undefined) continue
    const u = byAddress.get(address)
    if (u && u.user === user.i) u.mails.push(Date.parse(mail.date))
    else foreign++
  }
  return foreign
}

/**
 * Waits until the capture holds at least as many new mails as updates answered 200 (its total count
 * is one cheap call, so the capture is not kept busy listing while the mails still come), or the deadline.
 */
async function awaitMailCount (mailBaseline: number, deadline: number): Promise<void> {
  const ok = updates.filter(u => u.status === 200).length
  let lastLog = Date.now()
  await pollUntil(async () => {
    const arrived = await capturedCount(mailApi) - mailBaseline
    if (Date.now() - lastLog >= 5000) { log(`mails: ${arrived} of ${ok} arrived`); lastLog = Date.now() }
    return arrived >= ok
  }, deadline, 500)
}

/** Lists each user's mails until every update that answered 200 has its mail, or the deadline; answers whether it timed out. */
async function awaitMails (deadline: number): Promise<boolean> {
  const expecting = (u: BenchUser) => {
    for (let k = u.i; k < updates.length; k += userCount) if (updates[k]!.status === 200 && updates[k]!.mails.length === 0) return true
    return false
  }
  const pending = new Set(users)
  while (pending.size > 0) {
    await forEachLimit([...pending], 4, async u => {
      apply(u, await mailsTo(mailApi, u.email))
      if (!expecting(u)) pending.delete(u)
    })
    if (pending.size === 0 || Date.now() >= deadline) break
    log(`mails: ${pending.size} users still expect some`)
    await delay(1000)
  }
  return pending.size > 0
}

/** After a pause, one listing of every user, so a duplicate arriving after its first copy is counted too; answers mails naming no update of this run. */
async function recount (): Promise<number> {
  await delay(2000)
  let foreign = 0
  await forEachLimit(users, 4, async u => { foreign += apply(u, await mailsTo(mailApi, u.email)) })
  return foreign
}

async function deleteUsers (): Promise<void> {
  const created = users.filter(Boolean)
  let failed = 0
  await forEachLimit(created, 8, async u => {
    const remove = (token: string) => requestJson(api, 'DELETE', `/users/${u.id}`, undefined, token).catch((e: unknown) => ({ status: 0, text: String(e) }))
    let res = await remove(u.token)
    // The access token may have expired while the mails were awaited: sign in again.
    if (res.status === 401) res = await remove(await signIn(api, u.username, PASSWORD))
    if (res.status !== 204) failed++
  })
  log(`deleted ${created.length - failed} of ${created.length} bench users${failed > 0 ? ` (${failed} failed)` : ''}`)
}

async function dropGroup (): Promise<void> {
  const admin = new Admin({ clientId: `${group}.admin`, bootstrapBrokers: ep.kafkaBrokers, sasl: ep.kafkaSasl })
  try {
    if ((await admin.listGroups()).has(group)) await admin.deleteGroups({ groups: [group] })
  } finally {
    await admin.close()
  }
}

function report (o: {
  setup: Awaited<ReturnType<typeof createUsers>>
  foreign: number
  timedOut: boolean
  events: Map<string, ChangeEventTimes>
  consumer: ReturnType<typeof consumerDelta>
  maxLag: number
  cpu: { restarted: string[], load: Map<string, number>, drain: Map<string, number>, loadSeconds: number, drainSeconds: number, notificationCpuSeconds: number }
  ceiling: CeilingFigures | undefined
}) {
  const ok = updates.filter(u => u.status === 200)
  const http = microsHistogram()
  const lateness = microsHistogram()
  for (const u of updates) record(lateness, u.startedAt - u.intendedAt)
  for (const u of ok) record(http, u.doneAt - u.startedAt)
  const firstStart = Math.min(...updates.map(u => u.startedAt))
  const lastStart = Math.max(...updates.map(u => u.startedAt))
  const lastDone = Math.max(...ok.map(u => u.doneAt))
  const achieved = ok.length / ((lastDone - firstStart) / 1000)
  const sent = updates.length / ((lastStart - firstStart) / 1000)

  // Commit time: the row's lastUpdated. user-service takes it before the write's transaction (which
  // locks the row, updates it, reads it back and commits), so it is a lower bound; the HTTP 200 is an
  // upper bound, after the commit and the response. Debezium reading the change from the binlog
  // brackets the commit more tightly: the commit lies between lastUpdated and that read, and the HTTP
  // 200 comes after the read. Where the first gap is the smaller, lastUpdated is provably the closer
  // (under load it includes the wait for a pool connection and for the row's lock).
  const e2e = microsHistogram()
  const e2eFromAnswer = microsHistogram()
  const beforeCommit = microsHistogram()
  const afterCommit = microsHistogram()
  let mailBeforeAnswer = 0
  let lastUpdatedCloser = 0
  let bracketed = 0
  const received = ok.filter(u => u.mails.length > 0)
  for (const u of received) {
    const mail = Math.min(...u.mails)
    if (mail < u.doneAt) mailBeforeAnswer++
    record(e2e, mail - u.lastUpdatedMs)
    record(e2eFromAnswer, mail - u.doneAt)
    const event = o.events.get(u.address)
    if (!event) continue
    bracketed++
    record(beforeCommit, event.debeziumMs - u.lastUpdatedMs)
    record(afterCommit, u.doneAt - event.debeziumMs)
    if (event.debeziumMs - u.lastUpdatedMs < u.doneAt - event.debeziumMs) lastUpdatedCloser++
  }
  const closerPercent = 100 * lastUpdatedCloser / Math.max(1, bracketed)
  const mailDates = updates.flatMap(u => u.mails)
  const duplicated = updates.reduce((n, u) => n + Math.max(0, u.mails.length - 1), 0)
  const extra = updates.filter(u => u.status !== 200 && u.mails.length > 0).length
  const missing = ok.length - received.length
  const firstMail = Math.min(...mailDates)
  const lastMail = Math.max(...mailDates)
  const mailRate = mailDates.length / ((lastMail - firstMail) / 1000)

  // Where the time goes, per update whose change event was found on the topic.
  const stages = { dbToDebezium: microsHistogram(), debeziumToKafka: microsHistogram(), kafkaToConsumer: microsHistogram(), consumerToMail: microsHistogram() }
  let traced = 0
  for (const u of received) {
    const event = o.events.get(u.address)
    if (!event) continue
    traced++
    record(stages.dbToDebezium, event.debeziumMs - u.lastUpdatedMs)
    record(stages.debeziumToKafka, event.kafkaMs - event.debeziumMs)
    record(stages.kafkaToConsumer, event.receivedMs - event.kafkaMs)
    record(stages.consumerToMail, Math.min(...u.mails) - event.receivedMs)
  }

  const f4 = (h: Histogram) => [ms(h, 50), ms(h, 95), ms(h, 99), h.maxValue / 1000].map(fmt).join(' / ')
  const f3 = (h: Histogram) => [ms(h, 50), ms(h, 95), ms(h, 99)].map(fmt).join(' / ')
  console.log(`\ncdc-email ${run}: ${userCount} users, ${updates.length.toLocaleString('en-US')} PATCH /users/:id {address} at ${rate}/s for ${duration} s, ${connections} HTTP connections`)
  console.log(`set-up: ${userCount} users created in ${o.setup.seconds.toFixed(1)} s; every welcome mail in by ${o.setup.welcomeSeconds.toFixed(1)} s ` +
    `(create→welcome p50 ${fmt(o.setup.welcome.p50)} ms, max ${fmt(o.setup.welcome.max)} ms): pipeline warm`)
  printTable([
    ['', 'value'],
    ['target update rate /s', fmt(rate)],
    ['updates sent /s (schedule kept: start lag p99 ms)', `${fmt(sent)} (${fmt(ms(lateness, 99))})`],
    ['achieved update rate /s (HTTP 200s)', fmt(achieved)],
    ['updates failed', String(updates.length - ok.length)],
    ['HTTP latency p50 / p95 / p99 ms', f3(http)],
    ['commit→mail p50 / p95 / p99 / max ms', f4(e2e)],
    ['mails expected / received / duplicated', [ok.length, received.length, duplicated].map(n => n.toLocaleString('en-US')).join(' / ')],
    ['mails missing / extra / foreign', [missing, extra, o.foreign].join(' / ')],
    ['mail rate /s (first to last mail)', fmt(mailRate)],
    ['last HTTP 200 → last mail s', ((lastMail - lastDone) / 1000).toFixed(1)],
    [`MariaDB ceiling write tx /s (${ceilingConnections} conns)`, o.ceiling ? fmt(o.ceiling.updatesPerSec) : 'failed'],
    ['node RSS peak MB', fmt(rss.peak() / MB)]
  ])
  console.log(`commit = the row's lastUpdated, taken before the write's transaction: the commit came at most ${fmt(ms(beforeCommit, 50))} ms later (p50; until Debezium read it), ` +
    `the HTTP 200 at least ${fmt(ms(afterCommit, 50))} ms after it (p50), so lastUpdated is the closer for ${Math.round(closerPercent)}% of updates; ` +
    `from the HTTP 200 instead, commit→mail p50 / p99 is ${fmt(ms(e2eFromAnswer, 50))} / ${fmt(ms(e2eFromAnswer, 99))} ms` +
    (mailBeforeAnswer > 0 ? ` (${mailBeforeAnswer} mails came before their HTTP 200, counted as 0)` : ''))
  if (o.timedOut) console.log(`mail wait ended after --mail-timeout ${mailTimeoutMs / 1000} s with mails still missing`)
  if (failures.length > 0) console.log(`first failures: ${failures.join(' | ')}`)

  console.log(`\nwhere the time goes (${traced.toLocaleString('en-US')} updates traced through their change event on ${TOPIC}):`)
  printTable([
    ['stage, ms', 'p50', 'p95', 'p99', 'max'],
    ...([
      ['lastUpdated → Debezium read the change (DB write, binlog)', stages.dbToDebezium],
      ['Debezium read → Kafka record sent (Debezium queue, Connect)', stages.debeziumToKafka],
      ['Kafka record sent → fetched by a consumer (linger, broker, fetch)', stages.kafkaToConsumer],
      ['fetched → mail captured (notification-service queue + handling, SMTP)', stages.consumerToMail]
    ] as const).map(([name, h]) => [name, ...[ms(h, 50), ms(h, 95), ms(h, 99), h.maxValue / 1000].map(fmt)])
  ])
  // Each partition is one lane of notification-service: its mails' rate while it had a backlog is that lane's throughput.
  const lanes = new Map<number, number[]>()
  for (const u of received) {
    const event = o.events.get(u.address)
    if (event) lanes.set(event.partition, [...(lanes.get(event.partition) ?? []), Math.min(...u.mails)])
  }
  // Idle: gaps of over 100 ms between a lane's consecutive mails. With a backlog a busy lane has none;
  // without one, Debezium's 500 ms batches make them.
  const laneFigures = [...lanes].sort(([a], [b]) => a - b).map(([partition, dates]) => {
    dates.sort((a, b) => a - b)
    const first = dates[0]!
    const last = dates.at(-1)!
    let idle = 0
    for (let i = 1; i < dates.length; i++) if (dates[i]! - dates[i - 1]! > 100) idle += dates[i]! - dates[i - 1]!
    return {
      partition, mails: dates.length, perSec: dates.length / Math.max(0.001, (last - first) / 1000),
      idlePercent: 100 * idle / Math.max(1, last - first), lastMailAfterLoadSec: (last - lastDone) / 1000
    }
  })
  const capacity = o.consumer.meanMs > 0 ? 3 * 1000 / o.consumer.meanMs : 0
  const cpuPerMessage = o.consumer.messages > 0 ? o.cpu.notificationCpuSeconds / o.consumer.messages * 1000 : 0
  console.log(`notification-service: ${o.consumer.messages.toLocaleString('en-US')} messages handled in the window, ${fmt(o.consumer.meanMs)} ms each on average ` +
    `(p50 ≤ ${fmt(o.consumer.p50UpToMs)}, p99 ≤ ${fmt(o.consumer.p99UpToMs)} ms by its histogram) and ${Number.isNaN(cpuPerMessage) ? '?' : fmt(cpuPerMessage)} ms of its CPU each; ` +
    `one at a time per partition on 3 partitions that would be ≈ ${fmt(capacity)} messages/s (notification-service runs many users of a partition at once); largest consumer lag seen ${o.maxLag.toLocaleString('en-US')}` +
    (o.consumer.restarted ? ' (the service restarted during the run: its counters are unknown)' : ''))
  console.log(`per partition (one lane each): ${laneFigures.map(l => `p${l.partition} ${l.mails.toLocaleString('en-US')} mails at ${fmt(l.perSec)}/s, idle ${Math.round(l.idlePercent)}%, last ${l.lastMailAfterLoadSec.toFixed(1)} s after the load`).join('; ')}`)
  console.log(`\nCPU by process, in cores busy: load = first update to last answer (${o.cpu.loadSeconds.toFixed(1)} s), drain = then to the last mail (${o.cpu.drainSeconds.toFixed(1)} s)`)
  printTable([
    ['process', 'load', 'drain'],
    ...[...o.cpu.load.keys()].map(n => [n === MACHINE ? `${n} (of ${availableParallelism()})` : n, (o.cpu.load.get(n) ?? 0).toFixed(2), o.cpu.drainSeconds > 0.5 ? (o.cpu.drain.get(n) ?? 0).toFixed(2) : '-'])
  ])
  if (o.cpu.restarted.length > 0) console.log(`restarted during the run, so left out: ${o.cpu.restarted.join(', ')}`)
  // The stack's CPU per update, load and drain together: the figure that does not depend on how
  // busy the rest of the machine was (the latencies do). The bench itself and other processes are not the stack.
  const stackCpuMs = new Map([...o.cpu.load.keys()].filter(n => n !== MACHINE && n !== OTHERS && n !== 'bench (this process)')
    .map(n => [n, ((o.cpu.load.get(n) ?? 0) * o.cpu.loadSeconds + (o.cpu.drain.get(n) ?? 0) * o.cpu.drainSeconds) * 1000 / Math.max(1, ok.length)]))
  const stackCpuMsPerUpdate = [...stackCpuMs.values()].reduce((a, b) => a + b, 0)
  console.log(`stack CPU per update: ${stackCpuMsPerUpdate.toFixed(2)} ms (${[...stackCpuMs].filter(([, v]) => v >= 0.05).sort((a, b) => b[1] - a[1])
    .map(([n, v]) => `${n} ${v.toFixed(2)} ms, ${Math.round(100 * v / stackCpuMsPerUpdate)}%`).join('; ')})`)
  if (o.ceiling) {
    console.log(`MariaDB ceiling: ${o.ceiling.updates.toLocaleString('en-US')} write transactions (lock, UPDATE, read back, COMMIT) of ${CEILING_TABLE} in ${o.ceiling.seconds.toFixed(1)} s from ${o.ceiling.connections} connections, ` +
      `p50 ${fmt(o.ceiling.p50Ms)} ms, p99 ${fmt(o.ceiling.p99Ms)} ms`)
  }

  console.log(`RESULT ${JSON.stringify({
    run, users: userCount, rate, duration, connections,
    setup: o.setup,
    updates: { issued: updates.length, ok: ok.length, failed: updates.length - ok.length, sentPerSec: sent, achievedPerSec: achieved, httpMs: quartet(http), startLagMs: quartet(lateness) },
    commitToMailMs: { commit: 'lastUpdated', ...quartet(e2e) },
    commitToMailFromHttp200Ms: { commit: 'http-200', ...quartet(e2eFromAnswer) },
    commitBracket: { lastUpdatedToDebeziumReadMs: quartet(beforeCommit), debeziumReadToHttp200Ms: quartet(afterCommit), lastUpdatedCloserPercent: closerPercent },
    mails: { expected: ok.length, received: received.length, duplicated, missing, extra, foreign: o.foreign, perSec: mailRate, drainSec: (lastMail - lastDone) / 1000, timedOut: o.timedOut },
    stagesMs: {
      traced, dbToDebezium: quartet(stages.dbToDebezium), debeziumToKafka: quartet(stages.debeziumToKafka),
      kafkaToConsumer: quartet(stages.kafkaToConsumer), consumerToMail: quartet(stages.consumerToMail)
    },
    notificationService: { ...o.consumer, cpuMsPerMessage: cpuPerMessage, maxLag: o.maxLag, lanes: laneFigures },
    stackCpuMsPerUpdate, stackCpuMsPerUpdateByProcess: Object.fromEntries(stackCpuMs),
    cpuCores: { restarted: o.cpu.restarted, loadSeconds: o.cpu.loadSeconds, drainSeconds: o.cpu.drainSeconds, load: Object.fromEntries(o.cpu.load), drain: Object.fromEntries(o.cpu.drain) },
    ceiling: o.ceiling,
    rssPeakMb: rss.peak() / MB
  })}`)
}

try {
  log('creating users')
  const setup = await createUsers()
  const before: ConsumerMetrics = await consumerMetrics(metricsUrl, TOPIC)
  await tap.start()
  const mailBaseline = await capturedCount(mailApi)
  const lag = watchLag()
  log(`driving ${rate * duration} updates at ${rate}/s`)
  const components = stackPids()
  const cpu0 = sampleCpu(components)
  const t0 = Date.now()
  await drive()
  const cpu1 = sampleCpu(components)
  const t1 = Date.now()
  log('waiting for the mails')
  const deadline = Date.now() + mailTimeoutMs
  await awaitMailCount(mailBaseline, deadline)
  const cpu2 = sampleCpu(components)
  const t2 = Date.now()
  const timedOut = await awaitMails(deadline)
  const maxLag = lag.stop()
  const after = await consumerMetrics(metricsUrl, TOPIC)
  const foreign = await recount()
  log(`MariaDB ceiling: ${ceilingConnections} connections for ${ceilingSeconds} s`)
  const ceiling = await mariadbCeiling({
    connection: ep.mariadb, database: 'userdata', emailLike: `bench-${run}-%@bench.test`, connections: ceilingConnections, seconds: ceilingSeconds
  }).catch((e: unknown) => { log(`ceiling failed: ${String(e)}`); return undefined })
  const notification = 'notification-service'
  // A component restarted meanwhile (someone else's `ripple up`) has a new pid: its CPU figures would be wrong.
  const now = stackPids()
  const restarted = [...components].filter(([name, pid]) => now.get(name) !== pid).map(([name]) => name)
  for (const name of restarted) for (const sample of [cpu0, cpu1, cpu2]) sample.delete(name)
  const cpu = {
    restarted,
    load: coresBetween(cpu0, cpu1, (t1 - t0) / 1000),
    drain: coresBetween(cpu1, cpu2, Math.max(0.001, (t2 - t1) / 1000)),
    loadSeconds: (t1 - t0) / 1000,
    drainSeconds: (t2 - t1) / 1000,
    notificationCpuSeconds: (cpu2.get(notification) ?? Number.NaN) - (cpu0.get(notification) ?? Number.NaN)
  }
  report({ setup, foreign, timedOut, events: tap.events, consumer: consumerDelta(before, after), maxLag, cpu, ceiling })
} finally {
  const results = await Promise.allSettled([deleteUsers(), tap.stop().then(dropGroup)])
  for (const r of results) if (r.status === 'rejected') console.error(`cleanup failed: ${String(r.reason)}`)
  await Promise.allSettled([api.close(), mailApi.close()])
}
