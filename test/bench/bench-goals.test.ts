import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { figures, markdownTable, summarise } from '@ripple/bench/goals'
import type { RunResults } from '@ripple/bench/goals'

// RESULT lines as the benchmarks print them, cut down to what the goals read.
function cdcRun (rate: number, p99: number, perSec = rate, missing = 0) {
  return {
    rate,
    updates: { achievedPerSec: rate, ok: rate * 10, failed: 0 },
    mails: { perSec, missing, duplicated: 0 },
    commitToMailMs: { p50: p99 / 4, p99 },
    cpuCores: { load: { kafka: 0.5, connect: 0.25, 'other processes': 1, 'machine total': 2, 'bench (this process)': 0.1 }, drain: { kafka: 0.1, connect: 0 }, loadSeconds: 10, drainSeconds: 1 },
    ceiling: { updatesPerSec: 2900 }
  }
}
const jobsStep = (rate: number, finishP99: number, visibleP99: number, errors = 0) => ({
  rate, load: { requests: { errors, non2xx: 0, achievedRps: rate }, samples: { followed: 10, finished: 10 }, createToFinishMs: { p99: finishP99 }, createToVisibleMs: { p99: visibleP99 } }
})
const run = (over: Partial<RunResults> = {}): RunResults => ({
  'rest': { stackCores: 0.08 },
  'kafka-baseline': { node: { produce: { recordsPerSec: 100_000 } }, java: { produce: { recordsPerSec: 200_000 } } },
  'cdc-email@300': cdcRun(300, 120),
  'cdc-email@600': cdcRun(600, 240),
  'cdc-email@800': cdcRun(800, 900),
  'outbox': { rate: 100, ceiling: { perSec: 1000 }, cdc: { paced: { commitToNotifiedMs: { p99: 40 }, missing: 0 }, flat: { postsPerSec: 700, missing: 0 } }, polling: { paced: { missing: 0 }, flat: { postsPerSec: 500, missing: 0 } } },
  'jobs': { sleepMs: 100, steps: [jobsStep(1000, 150, 180), jobsStep(1500, 190, 240), jobsStep(2000, 400, 900)] },
  ...over
})
const byName = <R extends { figure: string }>(rows: R[], start: string): R => rows.find(r => r.figure.startsWith(start))!

describe('bench goals', () => {
  it('reads each goal from the RESULT lines', () => {
    const f = figures(run())
    assert.equal(byName(f, 'cdc-email: highest rate').value, 600, 'the highest rate whose p99 stayed within 250 ms')
    assert.equal(byName(f, 'outbox CDC relay').value, 0.7)
    assert.equal(byName(f, 'outbox polling relay').value, 0.5)
    assert.equal(byName(f, 'outbox polling relay').met(0.5), false)
    assert.equal(byName(f, 'jobs sustained').value, 1500, 'the highest clean step with finish and visible p99 in budget')
    assert.equal(byName(f, 'jobs at 1500').value, 240)
    assert.equal(byName(f, 'the stack at rest').value, 0.08)
    // (0.5 + 0.25) cores × 10 s + 0.1 × 1 s over 3,000 updates; other processes and the bench are not the stack's.
    assert.equal(byName(f, 'cdc-email at 300 updates/s: whole-stack CPU').value.toFixed(3), (7.6 * 1000 / 3000).toFixed(3))
    assert.equal(byName(f, 'exactly once').value, 0)
  })

  it('does not count a rate that lost or fell behind on mails as keeping pace', () => {
    const f = figures(run({ 'cdc-email@600': cdcRun(600, 200, 500), 'cdc-email@300': cdcRun(300, 100, 300, 2) }))
    assert.equal(byName(f, 'cdc-email: highest rate').value, 0)
    assert.equal(byName(f, 'exactly once').value, 2)
  })

  it('shows a figure a failed step did not produce as unknown, not as met', () => {
    const rows = summarise([run({ jobs: undefined })])
    const jobs = byName(rows, 'jobs sustained')
    assert.ok(Number.isNaN(jobs.median))
    assert.equal(jobs.met, undefined)
    assert.match(markdownTable(rows), /\| jobs sustained[^\n]*\| - \|/)
  })

  it('takes the median of the runs and keeps every run beside it', () => {
    const rows = summarise([run({ rest: { stackCores: 0.3 } }), run({ rest: { stackCores: 0.05 } }), run({ rest: { stackCores: 0.09 } })])
    const rest = byName(rows, 'the stack at rest')
    assert.equal(rest.median, 0.09)
    assert.deepEqual(rest.runs, [0.3, 0.05, 0.09])
    assert.equal(rest.met, true)
    assert.match(markdownTable(rows), /median of 3/)
  })
})
