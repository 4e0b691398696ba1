// Seed 002's write path at a fixed rate: POST /carga through the gateway (HAProxy) and, at the same
// rate, straight to carga-service, so the difference is the gateway's cost. Each accepted write is
// followed until its row shows in PostgreSQL carga.tabela (sync-service) and in MariaDB
// carga.tabela (Debezium source + JDBC sink); afterwards the three stores are compared, and
// Cassandra's own write rate (prepared INSERTs from Node into a scratch table) is the ceiling.
//   node --disable-warning=ExperimentalWarning bench/carga/carga.bench.ts [--rate 500] [--seconds 30]
//     [--repeat 1] [--connections 64] [--ceiling-seconds 10] [--ceiling-concurrency 64] [--drain-timeout 120]
//     [--order gateway,direct]
import { availableParallelism, loadavg } from 'node:os'
import { setTimeout as delay } from 'node:timers/promises'
import cassandraDriver from 'cassandra-driver'
import type { Histogram } from 'hdr-histogram-js'
import mysql from 'mysql2/promise'
import pg from 'pg'
import pThrottle from 'p-throttle'
import { Pool } from 'undici'
import { loadRoutes } from '@ripple/stack/components'
import { endpoints, loadStackConfig, servicePort } from '@ripple/stack'
import { benchOptions } from '../support/args.ts'
import { fmt, microsHistogram, printTable, trackRssPeak } from '../support/report.ts'
import { componentPids, coresBetween, MACHINE, OTHERS, sampleCpu } from '../support/stack-cpu.ts'

const args = benchOptions(
  { rate: 500, seconds: 30, repeat: 1, connections: 64, 'ceiling-seconds': 10, 'ceiling-concurrency': 64, 'drain-timeout': 120 },
  { order: 'gateway,direct' }
)
const { rate, seconds, repeat, connections } = args
const order = (args.order ?? '').split(',').map(s => s.trim())
if (order.length !== 2 || !order.includes('gateway') || !order.includes('direct')) throw new Error(`--order must name gateway and direct, e.g. direct,gateway; got ${args.order}`)
const targets = order as Target[]

// Benchmarks log in to Kafka as the tests' principal, ripple-test.
const config = loadStackConfig({ ...process.env, RIPPLE_KAFKA_PRINCIPAL: 'ripple-test' })
const ep = endpoints(config)
const run = Date.now().toString(36)
const rss = trackRssPeak()
const log = (line: string) => console.error(`carga-bench ${run}: ${line}`)
const POLL_MS = 20
// The processes a write passes through, first in the CPU table.
const PATH = ['gateway', 'carga-service', 'kafka', 'cassandra', 'sync-service', 'postgres', 'connect', 'mariadb', 'bench (this process)']

type Target = 'gateway' | 'direct'
const urls: Record<Target, string> = { gateway: ep.gatewayUrl, direct: `http://${config.host}:${servicePort(config, 'carga-service')}` }

// The gateway limits each client address per route: a rate above carga-write's limit is sent from
// as many loopback addresses (all of 127.0.0.0/8 is this machine) as it takes to stay under it.
const limit = loadRoutes(config).routes.find(r => r.name === 'carga-write')?.rateLimit
const clients = limit ? Math.max(1, Math.ceil(rate / (0.8 * limit.requests / limit.perSeconds))) : 1
const sources = Array.from({ length: clients }, (_, k) => clients === 1 ? undefined : `127.0.${Math.floor(k / 250) + 1}.${(k % 250) + 1}`)

const pgPool = new pg.Pool({ ...ep.postgres, database: 'carga', max: 4 })
const mariadb = mysql.createPool({ ...ep.mariadb, charset: 'utf8mb4', connectionLimit: 4 })
const cassandra = new cassandraDriver.Client({ contactPoints: [ep.cassandra], localDataCenter: 'datacenter1', keyspace: 'my_keyspace', authProvider: new cassandraDriver.auth.PlainTextAuthProvider(ep.cassandraAdmin.user, ep.cassandraAdmin.password) })

interface Percentiles { p50: number, p90: number, p99: number, max: number, count: number }
const percentiles = (h: Histogram): Percentiles => {
  const ms = (us: number) => Math.round(Math.min(us, h.maxValue)) / 1000
  return { p50: ms(h.getValueAtPercentile(50)), p90: ms(h.getValueAtPercentile(90)), p99: ms(h.getValueAtPercentile(99)), max: ms(h.maxValue), count: h.totalCount }
}
const record = (h: Histogram, ms: number) => h.recordValue(Math.max(1, Math.round(ms * 1000)))

/** Rows of `ids` in a store, id → valor; Cassandra's IN in chunks, as one query per chunk. */
async function rowsIn (store: 'cassandra' | 'postgres' | 'mariadb', ids: string[], columns: 'id' | 'id, valor' = 'id, valor'): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  if (ids.length === 0) return found
  if (store === 'postgres') {
    for (const r of (await pgPool.query<{ id: string, valor?: string }>(`SELECT ${columns} FROM tabela WHERE id = ANY($1)`, [ids])).rows) found.set(r.id, r.valor ?? '')
  } else if (store === 'mariadb') {
    const [rows] = await mariadb.query(`SELECT ${columns} FROM carga.tabela WHERE id IN (?)`, [ids]) as unknown as [{ id: string, valor?: string }[]]
    for (const r of rows) found.set(r.id, r.valor ?? '')
  } else {
    for (let i = 0; i < ids.length; i += 100) {
      const result = await cassandra.execute(`SELECT ${columns} FROM tabela WHERE id IN ?`, [ids.slice(i, i + 100)], { prepare: true })
      for (const row of result.rows) found.set(row.get('id') as string, (row.get('valor') as string | undefined) ?? '')
    }
  }
  return found
}

/**
 * Follows written ids until each shows in a store: one query for every outstanding id every
 * POLL_MS (a poll waits for the last one to answer, so a slow store is not flooded). A row is
 * seen at most POLL_MS plus one query after it committed.
 */
function follower (store: 'postgres' | 'mariadb') {
  const outstanding = new Map<string, { sentAt: number, answeredAt?: number }>()
  const early = new Set<string>()
  const fromSend = microsHistogram()
  const fromAnswer = microsHistogram()
  let running = true
  let giveUpAt = Number.POSITIVE_INFINITY
  let lastError = ''
  const loop = (async () => {
    while (running || outstanding.size > 0) {
      const started = performance.now()
      if (outstanding.size > 0) {
        try {
          const seen = await rowsIn(store, [...outstanding.keys()], 'id')
          const now = performance.now()
          for (const id of seen.keys()) {
            const w = outstanding.get(id)
            if (!w) continue
            record(fromSend, now - w.sentAt)
            // A row may show before its POST's answer has reached the client: 0 after the answer, once it comes.
            if (w.answeredAt !== undefined) record(fromAnswer, now - w.answeredAt)
            else early.add(id)
            outstanding.delete(id)
          }
        } catch (error) {
          lastError = (error as Error).message
        }
      }
      await delay(Math.max(0, POLL_MS - (performance.now() - started)))
      if (!running && outstanding.size > 0 && performance.now() > giveUpAt) break
    }
  })()
  return {
    sent: (id: string, sentAt: number) => { outstanding.set(id, { sentAt }) },
    answered: (id: string, ok: boolean, at: number) => {
      if (early.delete(id)) {
        if (ok) record(fromAnswer, 0)
        return
      }
      const w = outstanding.get(id)
      if (!w) return
      if (ok) w.answeredAt = at
      else outstanding.delete(id)
    },
    /** Waits until every accepted write showed, or the timeout; answers how many never did. */
    async finish (timeoutMs: number): Promise<number> {
      giveUpAt = performance.now() + timeoutMs
      running = false
      await loop
      if (outstanding.size > 0 && lastError) log(`${store} polling failed: ${lastError}`)
      return outstanding.size
    },
    fromSend,
    fromAnswer
  }
}

interface Phase {
  target: Target
  sent: number
  accepted: number
  refused: Record<string, number>
  errors: number
  acceptedPerSec: number
  httpMs: Percentiles
  startLagMs: Percentiles
  visibleMs: Record<'postgres' | 'mariadb', { fromSend: Percentiles, fromAnswer: Percentiles, never: number }>
  divergence: { compared: number, missing: Record<'cassandra' | 'postgres' | 'mariadb', number>, different: number }
  cores: Record<string, number>
  cpuSeconds: number
}

/**
 * One phase: `rate` POST /carga per second for `seconds` to one target on an open schedule (write
 * n is due at start + n / rate whether or not earlier ones were answered, and its latency counts
 * from then, so a slow path shows as latency, not as a lower rate), each a new id, then the drain
 * until both databases show every accepted write, then the comparison of the three stores.
 */
async function phase (target: Target, round: number): Promise<Phase> {
  const prefix = `bench-${run}-${round}-${target}`
  const pools = sources.map(localAddress => new Pool(urls[target], { connections: Math.ceil(connections / sources.length), keepAliveTimeout: 60_000, ...(localAddress ? { connect: { localAddress } } : {}) }))
  const followers = { postgres: follower('postgres'), mariadb: follower('mariadb') }
  const http = microsHistogram()
  const startLag = microsHistogram()
  const refused: Record<string, number> = {}
  let accepted = 0
  let errors = 0
  let lastAnswer = 0
  const written = new Map<string, string>()
  const total = rate * seconds
  const interval = 1000 / rate
  // Calls leave in small groups about 5 ms apart: timers are not finer than a millisecond anyway.
  const group = Math.max(1, Math.round(rate / 200))
  const pids = componentPids(config.paths.pm2).set('bench (this process)', process.pid)
  const cpuBefore = sampleCpu(pids)
  let t0 = 0
  const post = pThrottle({ limit: group, interval: group * interval })(async (n: number) => {
    const id = `${prefix}-${n}`
    // Unicode of 2 to 4 bytes in every valor, ~100 bytes in all, as the seed's "Teste de integração".
    const valor = `Teste de integração #${n} ✓ 🚀 ${'carga '.repeat(10)}`
    const sentAt = performance.now()
    record(startLag, sentAt - (t0 + n * interval))
    followers.postgres.sent(id, sentAt)
    followers.mariadb.sent(id, sentAt)
    let ok = false
    try {
      const res = await pools[n % pools.length]!.request({ method: 'POST', path: '/carga', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, valor }), headersTimeout: 30_000, bodyTimeout: 30_000 })
      await res.body.text()
      lastAnswer = performance.now()
      record(http, lastAnswer - (t0 + n * interval))
      ok = res.statusCode === 202 || res.statusCode === 200
      if (ok) {
        accepted++
        written.set(id, valor)
      } else refused[res.statusCode] = (refused[res.statusCode] ?? 0) + 1
    } catch {
      errors++
    }
    followers.postgres.answered(id, ok, lastAnswer)
    followers.mariadb.answered(id, ok, lastAnswer)
  })
  log(`${target}: ${rate} POST /carga per second for ${seconds} s to ${urls[target]} over up to ${connections} connections${sources.length > 1 ? ` from ${sources.length} client addresses` : ''}`)
  t0 = performance.now()
  try {
    await Promise.all(Array.from({ length: total }, (_, n) => post(n)))
  } finally {
    await Promise.all(pools.map(p => p.close()))
  }
  const loadSeconds = Math.max(seconds, (lastAnswer - t0) / 1000)
  log(`${target}: ${accepted} of ${total} accepted; waiting for PostgreSQL and MariaDB to show them`)
  const never = { postgres: await followers.postgres.finish(args['drain-timeout'] * 1000), mariadb: await followers.mariadb.finish(args['drain-timeout'] * 1000) }
  const cpuSeconds = (performance.now() - t0) / 1000
  const cores = coresBetween(cpuBefore, sampleCpu(pids), cpuSeconds)

  // Cassandra is written by carga-service's consumer, which may still be a moment behind.
  const ids = [...written.keys()]
  const deadline = Date.now() + args['drain-timeout'] * 1000
  let stores = await Promise.all([rowsIn('cassandra', ids), rowsIn('postgres', ids), rowsIn('mariadb', ids)])
  const apart = () => ids.filter(id => !stores.every(rows => rows.get(id) === written.get(id))).length
  while (apart() > 0 && Date.now() < deadline) {
    await delay(1000)
    stores = await Promise.all([rowsIn('cassandra', ids), rowsIn('postgres', ids), rowsIn('mariadb', ids)])
  }
  const [inCassandra, inPostgres, inMariaDb] = stores
  const missing = { cassandra: ids.filter(id => !inCassandra.has(id)).length, postgres: ids.filter(id => !inPostgres.has(id)).length, mariadb: ids.filter(id => !inMariaDb.has(id)).length }
  const different = ids.filter(id => stores.some(rows => rows.has(id) && rows.get(id) !== written.get(id))).length

  return {
    target,
    sent: total,
    accepted,
    refused,
    errors,
    acceptedPerSec: accepted / loadSeconds,
    httpMs: percentiles(http),
    startLagMs: percentiles(startLag),
    visibleMs: {
      postgres: { fromSend: percentiles(followers.postgres.fromSend), fromAnswer: percentiles(followers.postgres.fromAnswer), never: never.postgres },
      mariadb: { fromSend: percentiles(followers.mariadb.fromSend), fromAnswer: percentiles(followers.mariadb.fromAnswer), never: never.mariadb }
    },
    divergence: { compared: ids.length, missing, different },
    cores: Object.fromEntries(cores),
    cpuSeconds
  }
}

/**
 * Cassandra's own ceiling for the write carga-service makes: prepared single-row INSERTs from this
 * process, `concurrency` in flight, for `seconds`, into a scratch table dropped afterwards.
 */
async function cassandraCeiling (): Promise<{ writes: number, perSec: number, latencyMs: Percentiles }> {
  const table = `bench_ceiling_${run}`
  await cassandra.execute(`CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, valor text, topic_partition int, topic_offset bigint, request_id text, accepted_at timestamp)`)
  const insert = `INSERT INTO ${table} (id, valor, topic_partition, topic_offset, request_id, accepted_at) VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`
  const latency = microsHistogram()
  let writes = 0
  const start = performance.now()
  const end = start + args['ceiling-seconds'] * 1000
  try {
    await Promise.all(Array.from({ length: args['ceiling-concurrency'] }, async (_, lane) => {
      for (let i = 0; performance.now() < end; i++) {
        const t = performance.now()
        const offset = cassandraDriver.types.Long.fromNumber(i)
        await cassandra.execute(insert, [`${lane}-${i}`, `Teste de integração #${i} ✓ 🚀 ${'carga '.repeat(10)}`, lane % 3, offset, `req-${lane}-${i}`, new Date(), offset], { prepare: true, consistency: cassandraDriver.types.consistencies.localOne })
        record(latency, performance.now() - t)
        writes++
      }
    }))
  } finally {
    await cassandra.execute(`DROP TABLE IF EXISTS ${table}`)
  }
  const s = (performance.now() - start) / 1000
  return { writes, perSec: writes / s, latencyMs: percentiles(latency) }
}

const health = await Promise.all(Object.entries(urls).map(async ([name, url]) => [name, await fetch(`${url}/carga/bench-health-check`, { signal: AbortSignal.timeout(5000) }).then(r => r.status, () => 0)] as const))
for (const [name, status] of health) if (status !== 404) throw new Error(`${name} (${urls[name as Target]}) answered GET /carga/<unknown> with ${status}, not 404: start the stack with ./ripple up`)

const loadBefore = loadavg()
log(`load average before: ${loadBefore.map(l => l.toFixed(2)).join(' ')} (${availableParallelism()} cores)`)
const rounds: Phase[][] = []
for (let round = 1; round <= repeat; round++) {
  // Alternated from round to round: on a small machine the second phase finds caches and JITs warmer.
  const sequence = round % 2 === 1 ? targets : [...targets].reverse()
  const phases: Phase[] = []
  for (const target of sequence) phases.push(await phase(target, round))
  rounds.push(phases)
}
log(`Cassandra ceiling: prepared INSERTs, ${args['ceiling-concurrency']} in flight, for ${args['ceiling-seconds']} s`)
const ceiling = await cassandraCeiling()
const loadAfter = loadavg()
await cassandra.shutdown()
await pgPool.end()
await mariadb.end()

const all = rounds.flat()
const label = (p: Phase, i: number) => `${repeat > 1 ? `#${Math.floor(i / 2) + 1} ` : ''}${p.target}`
const quartet = (p: Percentiles) => [fmt(p.p50), fmt(p.p99)]
console.log(`\nPOST /carga at ${rate}/s for ${seconds} s, each write a new id, up to ${connections} connections; gateway = HAProxy → carga-service, direct = carga-service itself`)
console.log('ms; HTTP from when each write was due (open schedule); visible = from the POST being sent until the row showed (polled every 20 ms, one query for all outstanding ids); after 2xx = from the answer')
printTable([
  ['run', 'accepted/s', 'accepted', 'refused', 'errors', 'HTTP p50', 'HTTP p99', 'gen lag p99', 'PG p50', 'PG p99', 'PG after 2xx p99', 'MariaDB p50', 'MariaDB p99', 'MariaDB after 2xx p99', 'never visible'],
  ...all.map((p, i) => [
    label(p, i), fmt(p.acceptedPerSec), String(p.accepted), String(Object.values(p.refused).reduce((a, b) => a + b, 0)), String(p.errors),
    ...quartet(p.httpMs), fmt(p.startLagMs.p99), ...quartet(p.visibleMs.postgres.fromSend), fmt(p.visibleMs.postgres.fromAnswer.p99),
    ...quartet(p.visibleMs.mariadb.fromSend), fmt(p.visibleMs.mariadb.fromAnswer.p99), String(p.visibleMs.postgres.never + p.visibleMs.mariadb.never)
  ])
])
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN
const gatewayCost = { p50: median(rounds.map(r => (r.find(p => p.target === 'gateway')?.httpMs.p50 ?? Number.NaN) - (r.find(p => p.target === 'direct')?.httpMs.p50 ?? Number.NaN))), p99: median(rounds.map(r => (r.find(p => p.target === 'gateway')?.httpMs.p99 ?? Number.NaN) - (r.find(p => p.target === 'direct')?.httpMs.p99 ?? Number.NaN))) }
console.log(`\nthe gateway's cost (gateway − direct, median over ${repeat} round${repeat > 1 ? 's' : ''}): HTTP p50 ${fmt(gatewayCost.p50)} ms, p99 ${fmt(gatewayCost.p99)} ms`)

console.log('\ndivergence after each run: written ids missing from a store, or holding another valor (must be 0)')
printTable([
  ['run', 'compared', 'missing Cassandra', 'missing PostgreSQL', 'missing MariaDB', 'different'],
  ...all.map((p, i) => [label(p, i), String(p.divergence.compared), String(p.divergence.missing.cassandra), String(p.divergence.missing.postgres), String(p.divergence.missing.mariadb), String(p.divergence.different)])
])
const divergence = all.reduce((sum, p) => sum + p.divergence.missing.cassandra + p.divergence.missing.postgres + p.divergence.missing.mariadb + p.divergence.different, 0)

// The processes a write passes through, each; the rest of the stack (services idling, Prometheus) as one figure.
const pathNames = PATH.filter(n => all.some(p => n in p.cores))
const restOf = (p: Phase) => Object.entries(p.cores).filter(([n]) => !PATH.includes(n) && n !== OTHERS && n !== MACHINE).reduce((sum, [, c]) => sum + c, 0)
console.log(`\ncores busy from the first write to the last row in MariaDB (of ${availableParallelism()}), and CPU ms per accepted write of the processes on its path (not the bench)`)
printTable([
  ['run', ...pathNames, 'rest of the stack', OTHERS, MACHINE, 'path ms/write'],
  ...all.map((p, i) => {
    const pathCores = pathNames.filter(n => !n.startsWith('bench')).reduce((sum, n) => sum + (p.cores[n] ?? 0), 0)
    return [label(p, i), ...pathNames.map(n => (p.cores[n] ?? 0).toFixed(2)), restOf(p).toFixed(2), (p.cores[OTHERS] ?? 0).toFixed(2), (p.cores[MACHINE] ?? 0).toFixed(2), (pathCores * p.cpuSeconds * 1000 / Math.max(1, p.accepted)).toFixed(3)]
  })
])
console.log(`\nCassandra's ceiling: ${fmt(ceiling.perSec)} prepared INSERTs/s from Node (${ceiling.writes} in ${args['ceiling-seconds']} s, ${args['ceiling-concurrency']} in flight; p50 ${fmt(ceiling.latencyMs.p50)} ms, p99 ${fmt(ceiling.latencyMs.p99)} ms)`)
console.log(`load average before ${loadBefore.map(l => l.toFixed(2)).join(' ')}, after ${loadAfter.map(l => l.toFixed(2)).join(' ')}; bench RSS peak ${fmt(rss.peak() / 1024 / 1024)} MiB`)
console.log(`RESULT ${JSON.stringify({ rate, seconds, repeat, connections, clients: sources.length, divergence, gatewayCostMs: gatewayCost, ceiling, loadAverage: { before: loadBefore, after: loadAfter }, runs: all })}`)
if (divergence > 0) process.exitCode = 1
