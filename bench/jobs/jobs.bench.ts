// The job pipeline (seed 003) at rising request rates: POST /create/job on the receiver → receiver-topic
// → processor (sleeps each job) → processor-topic → converter → postgres-topic / clickhouse-topic, with
// informer's view. Each step runs `./ripple load jobs` (a fixed, open schedule) and follows a sample of
// jobs through informer; the highest rate with no errors and a p99 create → finish under sleep + 100 ms
// is the pipeline's sustained rate, shown next to the seed's 25 req/s and Kafka's own ceiling.
//   node bench/jobs/jobs.bench.ts [--rates 250,500,1000,2000,3000,4000] [--step-seconds 20]
//     [--sleep 100] [--data-size 1024] [--connections 128] [--samples 300] [--rest-seconds 15]
//     [--baseline FILE | --baseline-records N | --baseline none]
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { promisify } from 'node:util'
import { Consumer } from '@platformatic/kafka'
import { runJobsLoad } from '../load/jobs.load.ts'
import type { JobsLoadResult } from '../load/jobs.load.ts'
import { endpoints, loadStackConfig } from '@ripple/stack'
import { benchOptions } from '../support/args.ts'
import { fmt, positiveInt, printTable } from '../support/report.ts'
import { componentPids, coresBetween, sampleCpu } from '../support/stack-cpu.ts'

// baseline: a file holding a kafka-baseline RESULT line to reuse, or `none`; without it the baseline runs with --baseline-records.
// rest-seconds: how long the idle stack's CPU is sampled before the first step (what it costs with no traffic).
const args = benchOptions(
  { 'step-seconds': 20, 'connections': 128, 'samples': 300, 'baseline-records': 200_000, 'rest-seconds': 15 },
  { rates: '250,500,1000,1500,2000,3000,4000', sleep: '100', 'data-size': '1024', baseline: undefined }
)
const rates = (args.rates ?? '').split(',').map(r => positiveInt('rates', r.trim()))
const { 'step-seconds': stepSeconds, connections, samples } = args
// Zero is a fair sleep and size here, so these two are read as plain numbers.
const sleepMs = Number(args.sleep)
const dataSize = Number(args['data-size'])
const SEED_RATE = 25

// Benchmarks log in to Kafka as the tests' principal, ripple-test.
const config = loadStackConfig({ ...process.env, RIPPLE_KAFKA_PRINCIPAL: 'ripple-test' })
const log = (line: string) => console.error(`jobs-bench: ${line}`)
const services = { receiver: config.ports.receiver, processor: config.ports.processor, converter: config.ports.converter, informer: config.ports.informer }
const pipeline = ['receiver', 'processor', 'converter', 'informer', 'kafka', 'connect', 'postgres', 'clickhouse', 'bench (this process)']

/** Every sample of a service's /metrics, by name with labels, e.g. `ripple_consumer_lag{topic="x",...}`. */
async function scrape (port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://${config.host}:${port}/metrics`)).text()
  return new Map([...text.matchAll(/^([a-z_:][a-z0-9_:]*(?:\{[^}]*\})?) (\S+)$/gim)].map(m => [m[1]!, Number(m[2])]))
}
const total = (samples: Map<string, number>, name: string) =>
  [...samples].filter(([k]) => k === name || k.startsWith(`${name}{`)).reduce((sum, [, v]) => sum + v, 0)

/** Mean of a histogram between two scrapes, in ms. */
const meanMs = (before: Map<string, number>, after: Map<string, number>, name: string) => {
  const count = total(after, `${name}_count`) - total(before, `${name}_count`)
  return count > 0 ? (total(after, `${name}_sum`) - total(before, `${name}_sum`)) / count * 1000 : Number.NaN
}

/**
 * A quantile of a histogram between two scrapes, in ms, interpolated within its bucket as
 * Prometheus's histogram_quantile does: the service's own view, free of the bench's polling.
 */
function quantileMs (before: Map<string, number>, after: Map<string, number>, name: string, q: number): number {
  const buckets = [...after].flatMap(([k, v]) => {
    const le = new RegExp(`^${name}_bucket\\{.*le="([^"]+)"`).exec(k)?.[1]
    return le === undefined ? [] : [{ le: le === '+Inf' ? Infinity : Number(le), count: v - (before.get(k) ?? 0) }]
  }).sort((a, b) => a.le - b.le)
  const totalCount = buckets.at(-1)?.count ?? 0
  if (totalCount === 0) return Number.NaN
  const rank = q * totalCount
  let lower = { le: 0, count: 0 }
  for (const b of buckets) {
    if (b.count >= rank) return (b.le === Infinity ? lower.le : lower.le + (b.le - lower.le) * (rank - lower.count) / Math.max(1, b.count - lower.count)) * 1000
    lower = b
  }
  return Number.NaN
}

async function scrapeAll () {
  return Object.fromEntries(await Promise.all(Object.entries(services).map(async ([name, port]) => [name, await scrape(port)] as const))) as Record<keyof typeof services, Map<string, number>>
}

/** Records the JDBC sink (Kafka Connect's group for postgres-connector) has yet to write. */
async function sinkLag (): Promise<number> {
  const topic = 'postgres-topic'
  const consumer = new Consumer({ clientId: 'jobs-bench-lag', bootstrapBrokers: endpoints(config).kafkaBrokers, sasl: endpoints(config).kafkaSasl, groupId: 'connect-postgres-connector' })
  try {
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? []
    const committed = (await consumer.listCommittedOffsets({ topics: [{ topic, partitions: ends.map((_, i) => i) }] })).get(topic) ?? []
    return ends.reduce((sum, end, i) => sum + Number(end - ((committed[i] ?? -1n) < 0n ? 0n : committed[i]!)), 0)
  } finally {
    await consumer.close()
  }
}

/**
 * Waits until no job service and not the JDBC sink has records left, so a step's CPU and
 * latency are its own and not the previous step's backlog (the lag gauges refresh every 5 s).
 */
async function drained (): Promise<void> {
  const deadline = Date.now() + 300_000
  while (Date.now() < deadline) {
    const all = await scrapeAll()
    const lag = ['processor', 'converter', 'informer'].reduce((sum, s) => sum + total(all[s as keyof typeof services], 'ripple_consumer_lag'), 0)
    const sink = await sinkLag()
    if (lag === 0 && sink === 0) return
    log(`waiting for the pipeline to drain (${lag} records behind in the services, ${sink} in the JDBC sink)`)
    await delay(5000)
  }
  throw new Error('the pipeline did not drain within 300 s')
}

interface Step {
  rate: number
  load: JobsLoadResult
  stagesMs: { pickup: number, finish: number, informerHandle: number, converterHandle: number, visible: number, visibleP99: number }
  cores: Map<string, number>
  /** From the first request to the last sampled job's finish: the span the cores were measured over. */
  seconds: number
  maxLag: number
}

async function step (rate: number): Promise<Step> {
  await drained()
  const pids = componentPids(config.paths.pm2).set('bench (this process)', process.pid)
  const before = await scrapeAll()
  const cpuBefore = sampleCpu(pids)
  const started = performance.now()
  let maxLag = 0
  const lagTimer = setInterval(() => {
    void scrapeAll().then(all => { maxLag = Math.max(maxLag, ['processor', 'converter', 'informer'].reduce((sum, s) => sum + total(all[s as keyof typeof services], 'ripple_consumer_lag'), 0)) }, () => {})
  }, 2000)
  let load: JobsLoadResult
  try {
    load = await runJobsLoad(config, { rps: rate, durationSeconds: stepSeconds, connections, sleepMs, dataSize, samples, finishTimeoutSeconds: 120 }, log)
  } finally {
    clearInterval(lagTimer)
  }
  const seconds = (performance.now() - started) / 1000
  const cores = coresBetween(cpuBefore, sampleCpu(pids), seconds)
  const after = await scrapeAll()
  return {
    rate,
    load,
    stagesMs: {
      pickup: meanMs(before.processor, after.processor, 'ripple_job_create_to_pickup_seconds'),
      finish: meanMs(before.processor, after.processor, 'ripple_job_create_to_finish_seconds'),
      converterHandle: meanMs(before.converter, after.converter, 'ripple_message_duration_seconds'),
      informerHandle: meanMs(before.informer, after.informer, 'ripple_message_duration_seconds'),
      visible: meanMs(before.informer, after.informer, 'ripple_job_create_to_visible_seconds'),
      visibleP99: quantileMs(before.informer, after.informer, 'ripple_job_create_to_visible_seconds', 0.99)
    },
    cores,
    seconds,
    maxLag
  }
}

/** Cores each component keeps busy with no traffic: timers, polls and fetches of an idle stack. */
async function atRest (): Promise<Map<string, number>> {
  await drained()
  const pids = componentPids(config.paths.pm2)
  const before = sampleCpu(pids)
  await delay(args['rest-seconds'] * 1000)
  return coresBetween(before, sampleCpu(pids), args['rest-seconds'])
}

const budgetMs = sleepMs + 100
// Informer may show a finish a little after it happened: the goal gives it sleep + 150 (bench/suite/bench.goals.ts).
const visibleBudgetMs = sleepMs + 150
const clean = (s: Step) => s.load.requests.errors === 0 && s.load.requests.non2xx === 0 && s.load.samples.finished === s.load.samples.followed &&
  s.load.requests.achievedRps >= s.rate * 0.95
const sustains = (s: Step) => clean(s) && s.load.createToFinishMs.p99 < budgetMs
const sustainsVisible = (s: Step) => clean(s) && s.load.createToVisibleMs.p99 <= visibleBudgetMs

interface BaselineResult { node: { produce: { recordsPerSec: number }, consume: { recordsPerSec: number } }, java: { produce: { recordsPerSec: number } }, records: number, recordSize: number }

async function kafkaBaseline (): Promise<BaselineResult> {
  const text = args.baseline
    ? readFileSync(args.baseline, 'utf8')
    : (log(`running bench/kafka-baseline with ${args['baseline-records']} records`),
      (await promisify(execFile)(process.execPath, ['bench/kafka-baseline/kafka-baseline.bench.ts', '--records', String(args['baseline-records'])], { cwd: config.repoRoot, maxBuffer: 16 * 1024 * 1024 })).stdout)
  const line = text.split('\n').find(l => l.startsWith('RESULT '))
  if (!line) throw new Error('no RESULT line in the kafka-baseline output')
  return JSON.parse(line.slice('RESULT '.length)) as BaselineResult
}

log(`sampling the idle stack for ${args['rest-seconds']} s`)
const rest = await atRest()
const steps: Step[] = []
for (const rate of rates) {
  log(`step: ${rate} req/s for ${stepSeconds} s`)
  const s = await step(rate)
  steps.push(s)
  log(`${rate} req/s: achieved ${fmt(s.load.requests.achievedRps)}, errors ${s.load.requests.errors + s.load.requests.non2xx}, create → finish p99 ${fmt(s.load.createToFinishMs.p99)} ms, visible p99 ${fmt(s.load.createToVisibleMs.p99)} ms`)
  // One step past the limit shows how it fails; more would only queue.
  if (!clean(s) || s.load.createToFinishMs.p99 > budgetMs * 4) break
}
const baseline = args.baseline === 'none' ? undefined : await kafkaBaseline()

console.log(`\nJob pipeline, sleep ${sleepMs} ms, data ${dataSize} B, ${stepSeconds} s per step, up to ${connections} connections; p99 budget sleep + 100 = ${budgetMs} ms, informer visible sleep + 150 = ${visibleBudgetMs} ms`)
console.log('latencies in ms; finish = create_date → finish_date, visible = create_date → informer first answered finish; gen lag = how late the load generator sent; max lag = records the job services had yet to handle')
printTable([
  ['req/s target', 'achieved', 'errors', 'HTTP p50', 'HTTP p99', 'gen lag p99', 'finish p50', 'finish p99', 'visible p50', 'visible p99', 'max lag', 'sustained'],
  ...steps.map(s => [
    String(s.rate), fmt(s.load.requests.achievedRps), String(s.load.requests.errors + s.load.requests.non2xx),
    fmt(s.load.httpMs.p50), fmt(s.load.httpMs.p99), fmt(s.load.startLagMs.p99), fmt(s.load.createToFinishMs.p50), fmt(s.load.createToFinishMs.p99),
    fmt(s.load.createToVisibleMs.p50), fmt(s.load.createToVisibleMs.p99), String(s.maxLag), sustains(s) ? (sustainsVisible(s) ? 'yes' : 'finish only') : 'no'
  ])
])
console.log('\nwhere the time goes (means, ms): create → pick-up by the processor, → finish_date (includes the sleep), converter and informer handling per record, create → informer shows finish; informer p99: the same from informer\'s own histogram (every job, no polling)')
printTable([
  ['req/s', 'pick-up', 'finish', 'converter', 'informer', 'visible', 'informer p99'],
  ...steps.map(s => [String(s.rate), fmt(s.stagesMs.pickup), fmt(s.stagesMs.finish), fmt(s.stagesMs.converterHandle), fmt(s.stagesMs.informerHandle), fmt(s.stagesMs.visible), fmt(s.stagesMs.visibleP99)])
])
// The pipeline's components first, then the rest of the machine (other services, other stacks).
const cpuNames = [...new Set([...pipeline, ...steps.flatMap(s => [...s.cores.keys()])])].filter(n => steps.some(s => s.cores.has(n)))
console.log('\ncores busy during each step')
printTable([
  ['req/s', ...cpuNames],
  ['at rest', ...cpuNames.map(n => (rest.get(n) ?? 0).toFixed(3))],
  ...steps.map(s => [String(s.rate), ...cpuNames.map(n => (s.cores.get(n) ?? 0).toFixed(2))])
])
// Per job, the figure that holds on a shared machine: the cores above move with the rate achieved and with what else runs.
console.log('\nCPU ms per job (the step\'s CPU over the jobs it created)')
const jobNames = cpuNames.filter(n => pipeline.includes(n))
printTable([
  ['req/s', ...jobNames, 'sum'],
  ...steps.map(s => {
    const perJob = jobNames.map(n => (s.cores.get(n) ?? 0) * s.seconds * 1000 / Math.max(1, s.load.requests.ok))
    return [String(s.rate), ...perJob.map(ms => ms.toFixed(3)), perJob.reduce((a, b) => a + b, 0).toFixed(3)]
  })
])
const best = steps.filter(sustains).at(-1)
const bestVisible = steps.filter(sustainsVisible).at(-1)
console.log(`\nsustained: ${best ? `${best.rate} req/s` : 'none of the rates'} (p99 create → finish_date < ${budgetMs} ms, no errors); ${bestVisible ? `${bestVisible.rate} req/s` : 'none'} with informer showing finish within ${visibleBudgetMs} ms too`)
console.log(`seed: ${SEED_RATE} req/s → ${best ? `${fmt(best.rate / SEED_RATE)}x` : '-'}; ${baseline ? `kafka-baseline (${baseline.records} x ${baseline.recordSize} B, acks=all): node produce ${fmt(baseline.node.produce.recordsPerSec)} rec/s, consume ${fmt(baseline.node.consume.recordsPerSec)} rec/s, java produce ${fmt(baseline.java.produce.recordsPerSec)} rec/s` : 'kafka-baseline not run'}`)
console.log(`RESULT ${JSON.stringify({ sleepMs, dataSize, stepSeconds, connections, budgetMs, visibleBudgetMs, sustainedRps: best?.rate ?? 0, sustainedVisibleRps: bestVisible?.rate ?? 0, seedRps: SEED_RATE, baseline: baseline && { nodeProduce: baseline.node.produce.recordsPerSec, nodeConsume: baseline.node.consume.recordsPerSec, javaProduce: baseline.java.produce.recordsPerSec }, rest: Object.fromEntries(rest), steps: steps.map(s => ({ ...s, cores: Object.fromEntries(s.cores) })) })}`)
