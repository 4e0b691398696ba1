import { build } from 'hdr-histogram-js'
import type { Histogram } from 'hdr-histogram-js'
import pLimit from 'p-limit'
import pThrottle from 'p-throttle'
import { Pool } from 'undici'
import { servicePort, StackError } from '@ripple/stack'
import type { StackConfig } from '@ripple/stack'

// `./ripple load jobs` (the CLI imports this file when the command runs): POST /create/job on the receiver at a fixed rate, while a sample of the
// created jobs is followed through informer until it reports them finished.
//
// The schedule is open: request n is due at start + n / rps whether or not earlier ones were
// answered, and its latency counts from when it was due, so a slow receiver shows as latency
// rather than as a lower rate (no coordinated omission). autocannon was the first choice, but its
// rate limit lets each connection send its whole per-second quota back to back when a 1 s timer
// resets it: requests arrive in bursts at every second boundary, and its latency grew with the
// number of connections: a figure of the bursts, not of the receiver.

export interface JobsLoadOptions {
  /** Requests per second, over all connections. */
  rps: number
  durationSeconds: number
  connections: number
  /** The jobs' own parameters (the receiver's defaults when absent). */
  sleepMs?: number
  dataSize?: number
  /** How many created jobs to follow through informer. */
  samples: number
  /** How long after the load to wait for the sampled jobs to finish. */
  finishTimeoutSeconds: number
}

export interface Percentiles { p50: number, p90: number, p99: number, max: number }

export interface JobsLoadResult {
  target: { rps: number, durationSeconds: number, connections: number, sleepMs: number | undefined, dataSize: number | undefined }
  requests: { sent: number, ok: number, non2xx: number, errors: number, timeouts: number, achievedRps: number }
  /** From when each request was due to its answer, in ms. */
  httpMs: Percentiles
  /** How late requests left (all connections busy, or this process's own event loop), in ms. */
  startLagMs: Percentiles
  /** create_date → finish_date as informer reports them, in ms. */
  createToFinishMs: Percentiles
  /** create_date → the moment informer first answered `finish` (includes the view's lag and the polling), in ms. */
  createToVisibleMs: Percentiles
  samples: { followed: number, finished: number, unfinished: string[] }
}

interface Sample { id: string, createdNs: bigint, dueNs: bigint, finishNs?: bigint, visibleNs?: bigint }

const newHistogram = (): Histogram => build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 })
const percentiles = (h: Histogram): Percentiles => {
  // A percentile reads its bucket's upper edge, which may lie just above the largest value recorded.
  const ms = (us: number) => Math.round(Math.min(us, h.maxValue)) / 1000
  return { p50: ms(h.getValueAtPercentile(50)), p90: ms(h.getValueAtPercentile(90)), p99: ms(h.getValueAtPercentile(99)), max: ms(h.maxValue) }
}

// RFC 3339 with up to nine fraction digits, as the services write them, to epoch nanoseconds.
function epochNs (text: string): bigint {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(text)
  if (!match) throw new Error(`not an RFC 3339 UTC timestamp: ${text}`)
  return BigInt(Date.parse(`${match[1]}Z`)) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'))
}
const wallNs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n

/**
 * Follows sampled jobs: polls informer for each unfinished one until it answers `finish`, from
 * when the job is due (create_date + sleep; it cannot be finished before) every POLL_MS, each
 * sample's next poll only once its last one answered, so a slow informer is not flooded. Rounds
 * over every pending sample 50 ms apart added their own wait to `visible` and polled jobs that
 * could not be finished yet.
 */
const POLL_MS = 10
function follower (informerUrl: string) {
  const samples: Sample[] = []
  const limit = pLimit(8)
  let last = ''
  async function poll (sample: Sample): Promise<void> {
    try {
      const res = await fetch(`${informerUrl}/info/${sample.id}`, { signal: AbortSignal.timeout(5000) })
      const body = await res.json() as { status?: string, finish_date?: string }
      if (body.status === 'finish' && body.finish_date) {
        sample.visibleNs = wallNs()
        sample.finishNs = epochNs(body.finish_date)
      }
    } catch (err) {
      last = (err as Error).message
    }
  }
  return {
    samples,
    add: (id: string, createDate: string, sleepMs: number) => {
      const createdNs = epochNs(createDate)
      samples.push({ id, createdNs, dueNs: createdNs + BigInt(sleepMs) * 1_000_000n })
    },
    pending: () => samples.filter(s => s.visibleNs === undefined),
    start () {
      let running = true
      const polling = new Map<Sample, Promise<void>>()
      const loop = (async () => {
        while (running) {
          const now = wallNs()
          for (const s of samples) {
            if (s.visibleNs !== undefined || polling.has(s) || now < s.dueNs) continue
            polling.set(s, limit(() => poll(s)).finally(() => polling.delete(s)))
          }
          await new Promise(resolve => setTimeout(resolve, POLL_MS))
        }
        await Promise.all(polling.values())
      })()
      return async () => { running = false; await loop }
    },
    lastError: () => last
  }
}

export async function runJobsLoad (config: StackConfig, options: JobsLoadOptions, log: (line: string) => void): Promise<JobsLoadResult> {
  const receiverUrl = `http://${config.host}:${servicePort(config, 'receiver')}`
  const informerUrl = `http://${config.host}:${servicePort(config, 'informer')}`
  for (const [name, url] of [['receiver', receiverUrl], ['informer', informerUrl]]) {
    const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(r => r.ok, () => false)
    if (!ok) throw new StackError('SERVICE_DOWN', `${name} does not answer at ${url}: start the stack with ./ripple up.`)
  }
  const body: Record<string, number> = {}
  if (options.sleepMs !== undefined) body.sleep = options.sleepMs
  if (options.dataSize !== undefined) body.data_size = options.dataSize
  const expected = options.rps * options.durationSeconds
  // Every n-th answer is followed, so the samples spread over the whole run.
  const every = Math.max(1, Math.floor(expected / Math.max(1, options.samples)))
  const follow = follower(informerUrl)
  let answered = 0

  const stopPolling = follow.start()
  log(`load: ${options.rps} POST /create/job per second for ${options.durationSeconds} s over up to ${options.connections} connections, following ${Math.min(options.samples, expected)} jobs through informer`)
  const pool = new Pool(receiverUrl, { connections: options.connections, keepAliveTimeout: 60_000 })
  const http = newHistogram()
  const startLag = newHistogram()
  const counts = { ok: 0, non2xx: 0, errors: 0, timeouts: 0 }
  const payload = JSON.stringify(body)
  const interval = 1000 / options.rps
  // Calls leave in small groups, about 5 ms apart: timers are not finer than a millisecond anyway.
  const group = Math.max(1, Math.round(options.rps / 200))
  let t0 = 0
  const post = pThrottle({ limit: group, interval: group * interval })(async (n: number) => {
    const startedAt = performance.now()
    startLag.recordValue(Math.max(1, Math.round((startedAt - (t0 + n * interval)) * 1000)))
    try {
      const res = await pool.request({ method: 'POST', path: '/create/job', headers: { 'content-type': 'application/json' }, body: payload, headersTimeout: 30_000, bodyTimeout: 30_000 })
      const text = await res.body.text()
      http.recordValue(Math.max(1, Math.round((performance.now() - startedAt) * 1000)))
      if (res.statusCode !== 200) { counts.non2xx++; return }
      counts.ok++
      if (answered++ % every === 0 && follow.samples.length < options.samples) {
        const job = JSON.parse(text) as { id: string, create_date: string, sleep: number }
        follow.add(job.id, job.create_date, job.sleep)
      }
    } catch (err) {
      counts.errors++
      if ((err as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT') counts.timeouts++
    }
  })
  let seconds: number
  try {
    t0 = performance.now()
    await Promise.all(Array.from({ length: expected }, (_, n) => post(n)))
    seconds = (performance.now() - t0) / 1000
    const deadline = Date.now() + options.finishTimeoutSeconds * 1000
    while (follow.pending().length > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
  } finally {
    await stopPolling()
    await pool.close()
  }
  if (follow.pending().length > 0 && follow.lastError()) log(`informer polling failed: ${follow.lastError()}`)

  const finish = newHistogram()
  const visible = newHistogram()
  for (const s of follow.samples) {
    if (s.finishNs !== undefined) finish.recordValue(Math.max(1, Number((s.finishNs - s.createdNs) / 1000n)))
    if (s.visibleNs !== undefined) visible.recordValue(Math.max(1, Number((s.visibleNs - s.createdNs) / 1000n)))
  }
  return {
    target: { rps: options.rps, durationSeconds: options.durationSeconds, connections: options.connections, sleepMs: options.sleepMs, dataSize: options.dataSize },
    // Achieved: answered requests over the time from the first due to the last answer.
    requests: { sent: expected, ...counts, achievedRps: counts.ok / Math.max(seconds, options.durationSeconds) },
    httpMs: percentiles(http),
    startLagMs: percentiles(startLag),
    createToFinishMs: percentiles(finish),
    createToVisibleMs: percentiles(visible),
    samples: { followed: follow.samples.length, finished: follow.samples.length - follow.pending().length, unfinished: follow.pending().map(s => s.id).slice(0, 10) }
  }
}

export function printJobsLoad (r: JobsLoadResult): void {
  const row = (name: string, p: Percentiles) => `${name.padEnd(28)} p50 ${p.p50.toFixed(1).padStart(8)}  p90 ${p.p90.toFixed(1).padStart(8)}  p99 ${p.p99.toFixed(1).padStart(8)}  max ${p.max.toFixed(1).padStart(8)} ms`
  console.log(`target ${r.target.rps} req/s for ${r.target.durationSeconds} s, up to ${r.target.connections} connections`)
  console.log(`achieved ${r.requests.achievedRps.toFixed(1)} req/s: ${r.requests.ok} of ${r.requests.sent} jobs created (200); errors ${r.requests.errors} (timeouts ${r.requests.timeouts}), non-2xx ${r.requests.non2xx}`)
  console.log(row('HTTP POST /create/job', r.httpMs))
  console.log(row('start lag (load generator)', r.startLagMs))
  console.log(row('create → finish (finish_date)', r.createToFinishMs))
  console.log(row('create → finish in informer', r.createToVisibleMs))
  console.log(`followed ${r.samples.followed} jobs through informer: ${r.samples.finished} finished${r.samples.unfinished.length > 0 ? `; not finished: ${r.samples.unfinished.join(', ')}` : ''}`)
}
