// The web console (./ripple up, 127.0.0.1:8090) on a topic of 100,000 messages: how long each page
// takes over plain HTTP and in Chromium up to the load event, then what the console costs at rest.
// The topic is filled once (Debezium-like change events, keyed) and reused by later runs.
//   node --disable-warning=ExperimentalWarning bench/console/console.bench.ts [--messages 100000]
//     [--keys 10000] [--http-runs 30] [--browser-runs 10] [--idle-seconds 30] [--settle 5]
//     [--url URL --pid PID]   (a console started by hand instead of the stack's)
import { readFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { setTimeout as delay } from 'node:timers/promises'
import { Admin, Consumer } from '@platformatic/kafka'
import { createProducer } from '@ripple/kit'
import { signInToConsole } from '@ripple/testing'
import { newPage, openBrowser } from '@ripple/testing/browser'
import type { Histogram } from 'hdr-histogram-js'
import { endpoints, loadStackConfig } from '@ripple/stack'
import { benchOptions } from '../support/args.ts'
import { fmt, microsHistogram, positiveInt, printTable } from '../support/report.ts'
import { componentPids, coresBetween, sampleCpu } from '../support/stack-cpu.ts'

const TOPIC = 'bench.console.100k'
const PARTITIONS = 3
const VALUE_BYTES = 400
/** Records per send: about 800 KB, so each partition's share stays under the broker's 1 MiB message.max.bytes. */
const BATCH = 2000

const args = benchOptions(
  { 'messages': 100_000, 'keys': 10_000, 'http-runs': 30, 'browser-runs': 10, 'idle-seconds': 30, 'settle': 5 },
  { url: undefined, pid: undefined }
)
// Benchmarks log in to Kafka as the tests' principal, ripple-test.
const config = loadStackConfig({ ...process.env, RIPPLE_KAFKA_PRINCIPAL: 'ripple-test' })
const ep = endpoints(config)
const consoleUrl = (args.url ?? ep.consoleUrl).replace(/\/$/, '')
const log = (line: string) => console.error(`console-bench: ${line}`)
const loadBefore = loadavg()

// Keys and values as Debezium writes a users row with the JSON converter (no schema): the key is
// the primary key, the value the envelope.
const keyOf = (id: number) => JSON.stringify({ id })

function changeEvent (i: number): string {
  const id = i % args.keys
  // The row's n-th version: each key changes once per round of `keys` records, a second per record apart.
  const version = Math.floor(i / args.keys)
  const row = (v: number) => ({ id, email: `user${id}@example.test`, version: v, updated_at: 1_764_460_800_000 + (i - (version - v) * args.keys) * 1000 })
  const event = {
    before: version === 0 ? null : row(version - 1),
    after: row(version),
    source: { version: '3.3.1.Final', connector: 'mysql', name: 'ripple', ts_ms: 1_764_460_800_000 + i * 1000, db: 'users', table: 'users', file: 'mysql-bin.000003', pos: 4096 + i * 512, row: 0 },
    op: version === 0 ? 'c' : 'u',
    ts_ms: 1_764_460_800_000 + i * 1000 + 7
  }
  const bare = JSON.stringify(event)
  // Creates have no `before`: padded up to the size of an update.
  return bare.length >= VALUE_BYTES ? bare : JSON.stringify({ ...event, pad: 'x'.repeat(Math.max(0, VALUE_BYTES - bare.length - 9)) })
}

/** Records the topic holds now, per partition (end minus start offset), or undefined when it does not exist. */
async function held (): Promise<{ start: bigint[], end: bigint[] } | undefined> {
  const admin = new Admin({ clientId: 'console-bench', bootstrapBrokers: ep.kafkaBrokers, sasl: ep.kafkaSasl })
  try {
    if (!(await admin.listTopics()).includes(TOPIC)) return undefined
  } finally {
    await admin.close()
  }
  const consumer = new Consumer({ clientId: 'console-bench-offsets', bootstrapBrokers: ep.kafkaBrokers, sasl: ep.kafkaSasl, groupId: `console-bench-offsets-${process.pid}` })
  try {
    const start = (await consumer.listOffsets({ topics: [TOPIC], timestamp: -2n })).get(TOPIC) ?? []
    const end = (await consumer.listOffsets({ topics: [TOPIC], timestamp: -1n })).get(TOPIC) ?? []
    return { start, end }
  } finally {
    await consumer.close(true)
  }
}

const total = (o: { start: bigint[], end: bigint[] }) => Number(o.end.reduce((sum, e, p) => sum + e - (o.start[p] ?? 0n), 0n))

async function fillTopic (): Promise<{ start: bigint[], end: bigint[] }> {
  let offsets = await held()
  if (offsets === undefined) {
    const admin = new Admin({ clientId: 'console-bench', bootstrapBrokers: ep.kafkaBrokers, sasl: ep.kafkaSasl })
    try {
      await admin.createTopics({ topics: [TOPIC], partitions: PARTITIONS, replicas: 1 })
    } finally {
      await admin.close()
    }
    offsets = { start: Array<bigint>(PARTITIONS).fill(0n), end: Array<bigint>(PARTITIONS).fill(0n) }
  }
  const have = total(offsets)
  if (have >= args.messages) {
    log(`${TOPIC} holds ${have.toLocaleString('en-US')} messages already: nothing produced`)
    return offsets
  }
  log(`producing ${(args.messages - have).toLocaleString('en-US')} messages of ~${VALUE_BYTES} bytes to ${TOPIC}`)
  const producer = createProducer({ brokers: ep.kafkaBrokers, sasl: ep.kafkaSasl, clientId: 'console-bench' })
  const started = performance.now()
  try {
    // Numbered on from what is there, so a topic half filled by an interrupted run goes on where it stopped.
    for (let from = have; from < args.messages; from += BATCH) {
      const to = Math.min(args.messages, from + BATCH)
      await producer.send(Array.from({ length: to - from }, (_, k) => ({ topic: TOPIC, key: keyOf((from + k) % args.keys), value: changeEvent(from + k) })))
    }
  } finally {
    await producer.close()
  }
  log(`produced in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  return (await held())!
}

// A page with no successful load shows as "-", not 0.
const ms = (h: Histogram, percentile: number) => h.totalCount === 0 ? Number.NaN : h.getValueAtPercentile(percentile) / 1000

/** Loads that failed, by what went wrong ("HTTP 500", "ECONNREFUSED"): counted, never timed, as a fast 404 is no page load. */
type Errors = Record<string, number>
const failure = (e: unknown): string => {
  const cause = (e as { cause?: { code?: string } }).cause?.code
  return cause ?? String((e as Error).message ?? e).split('\n')[0]!.slice(0, 80)
}
const count = (errors: Errors, what: string) => { errors[what] = (errors[what] ?? 0) + 1 }

interface HttpFigures { p50: number, p95: number, p99: number, bytes: number, errors: Errors }
interface BrowserFigures { p50: number, p95: number, errors: Errors }

async function httpLoads (path: string): Promise<HttpFigures> {
  const h = microsHistogram()
  const errors: Errors = {}
  let bytes = 0
  // One load first, not counted: the first request after a rest pays for a cold connection and JIT.
  for (let i = 0; i <= args['http-runs']; i++) {
    const started = performance.now()
    const response = await fetch(`${consoleUrl}${path}`, { headers: { cookie: session.cookie } }).catch((e: unknown) => failure(e))
    if (typeof response === 'string') { count(errors, response); continue }
    const body = await response.arrayBuffer()
    const micros = Math.round((performance.now() - started) * 1000)
    if (!response.ok) { count(errors, `HTTP ${response.status}`); continue }
    if (i === 0) continue
    h.recordValue(micros)
    bytes = body.byteLength
  }
  return { p50: ms(h, 50), p95: ms(h, 95), p99: ms(h, 99), bytes, errors }
}

// The page's own Navigation Timing: from the start of the navigation to the end of its load event,
// as the browser measured it (the CDP round trips of the driver are not in it).
const LOADED = `(() => { const n = performance.getEntriesByType('navigation')[0]; return n && n.loadEventEnd > 0 ? n.loadEventEnd - n.startTime : 0 })()`

async function browserLoads (paths: string[]): Promise<Map<string, BrowserFigures>> {
  const browser = await openBrowser()
  const figures = new Map<string, BrowserFigures>()
  try {
    for (const path of paths) {
      const page = await newPage(browser)
      // The session the HTTP loads use: every page needs the sign-in, which is not what is measured.
      await page.context().addCookies([{ name: 'ripple_console', value: session.value, url: consoleUrl, httpOnly: true, sameSite: 'Strict' }])
      const h = microsHistogram()
      const errors: Errors = {}
      try {
        for (let i = 0; i <= args['browser-runs']; i++) {
          const response = await page.goto(`${consoleUrl}${path}`, { waitUntil: 'load' }).catch((e: unknown) => failure(e))
          if (typeof response === 'string') { count(errors, response); continue }
          if (!response?.ok()) { count(errors, `HTTP ${response?.status() ?? '?'}`); continue }
          const loaded = Number(await (await page.waitForFunction(LOADED)).jsonValue())
          if (i > 0) h.recordValue(Math.max(1, Math.round(loaded * 1000)))
        }
      } finally {
        await page.context().close()
      }
      figures.set(path, { p50: ms(h, 50), p95: ms(h, 95), errors })
    }
  } finally {
    await browser.close()
  }
  return figures
}

function rssMb (pid: number): number | undefined {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb === undefined ? undefined : Number(kb) / 1024
  } catch {
    return undefined // exited
  }
}

/** The console process at rest: its RSS each second and the cores it kept busy over the whole time. */
async function idle (pid: number): Promise<{ rssMb: { min: number, mean: number, max: number }, cores: number, cpuSeconds: number }> {
  const processes = new Map([['console', pid]])
  const before = sampleCpu(processes)
  const started = performance.now()
  const rss: number[] = []
  for (let s = 0; s < args['idle-seconds']; s++) {
    const mb = rssMb(pid)
    if (mb === undefined) throw new Error(`the console (pid ${pid}) exited while sampled at rest`)
    rss.push(mb)
    await delay(1000)
  }
  const after = sampleCpu(processes)
  const seconds = (performance.now() - started) / 1000
  return {
    rssMb: { min: Math.min(...rss), mean: rss.reduce((a, b) => a + b, 0) / rss.length, max: Math.max(...rss) },
    cores: coresBetween(before, after, seconds).get('console') ?? Number.NaN,
    cpuSeconds: (after.get('console') ?? 0) - (before.get('console') ?? 0)
  }
}

const consolePid = () => {
  const pid = args.pid === undefined ? componentPids(config.paths.pm2).get('console') : positiveInt('pid', args.pid)
  if (pid === undefined) throw new Error(`no console process under ${config.paths.pm2}: start the stack with ./ripple up`)
  return pid
}
const pidAtStart = consolePid()
// Every page needs the operator's sign-in: one session (the stack's operator key) for every load.
const session = await signInToConsole(consoleUrl, config.secrets.generated.OPERATOR_KEY).catch((e: unknown) => { throw new Error(`the console does not answer at ${consoleUrl} (${String(e)}): start the stack with ./ripple up`) })
const home = await fetch(`${consoleUrl}/`, { headers: { cookie: session.cookie } })
await home.arrayBuffer()
log(`load average before: ${loadBefore.map(l => l.toFixed(2)).join(' ')}`)

const offsets = await fillTopic()
const messages = total(offsets)
// The middle of partition 1: a page the console must find by offset, far from either end.
const middle = ((offsets.start[1] ?? 0n) + (offsets.end[1] ?? 0n)) / 2n
const aKey = keyOf(4242 % args.keys)
const topicPath = `/topics/${encodeURIComponent(TOPIC)}`
const paths = ['/', '/topics', topicPath, `${topicPath}?partition=1&before=${middle}`, `${topicPath}?key=${encodeURIComponent(aKey)}`, '/groups', '/connectors', '/dlq', '/mail']

log(`${args['http-runs']} loads of each of ${paths.length} pages over HTTP`)
const http = new Map<string, HttpFigures>()
for (const path of paths) http.set(path, await httpLoads(path))
log(`${args['browser-runs']} loads of each page in Chromium, to the load event`)
const browser = await browserLoads(paths)

// What the loads left (sockets closing, garbage) is not rest.
await delay(args.settle * 1000)
const pid = consolePid()
if (pid !== pidAtStart) log(`the console was restarted during the page loads (pid ${pidAtStart} → ${pid}): its figures may hold errors or a cold start`)
log(`the console (pid ${pid}) at rest for ${args['idle-seconds']} s`)
const rest = await idle(pid)
const loadAfter = loadavg()

const f = (n: number) => Number.isNaN(n) ? '-' : fmt(n)
const errorText = (httpErrors: Errors, browserErrors: Errors) => [
  ...Object.entries(httpErrors).map(([what, n]) => `HTTP: ${n}× ${what}`),
  ...Object.entries(browserErrors).map(([what, n]) => `Chromium: ${n}× ${what}`)
].join(', ') || '-'
console.log(`\nthe console at ${consoleUrl} with ${messages.toLocaleString('en-US')} messages on ${TOPIC} (${PARTITIONS} partitions); page loads in ms, after one load not counted; ${availableParallelism()} cores for everything`)
printTable([
  ['page', `HTTP p50`, 'p95', 'p99', 'KiB', `Chromium load p50`, 'p95', 'errors'],
  ...paths.map(path => {
    const h = http.get(path)!
    const b = browser.get(path)!
    return [path, f(h.p50), f(h.p95), f(h.p99), f(h.bytes / 1024), f(b.p50), f(b.p95), errorText(h.errors, b.errors)]
  })
])
console.log(`\nat rest for ${args['idle-seconds']} s: RSS ${fmt(rest.rssMb.min)}–${fmt(rest.rssMb.max)} MiB (mean ${fmt(rest.rssMb.mean)}), ${rest.cores.toFixed(4)} cores (${rest.cpuSeconds.toFixed(2)} CPU s)`)
console.log(`load average (1/5/15 min) before → after: ${loadBefore.map(l => l.toFixed(2)).join(' ')} → ${loadAfter.map(l => l.toFixed(2)).join(' ')}`)
console.log(`RESULT ${JSON.stringify({
  url: consoleUrl,
  topic: TOPIC,
  messages,
  httpRuns: args['http-runs'],
  browserRuns: args['browser-runs'],
  pages: Object.fromEntries(paths.map(path => [path, { http: http.get(path), browser: browser.get(path) }])),
  idle: { seconds: args['idle-seconds'], ...rest },
  loadAverageBefore: loadBefore,
  loadAverageAfter: loadAfter
})}`)
