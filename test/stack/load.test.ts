import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { execa } from 'execa'
import { loadStackConfig } from '@ripple/stack'
import type { JobsLoadResult } from '@ripple/bench/load'

const ripple = join(loadStackConfig().repoRoot, 'ripple')

test('load jobs posts at the asked rate and follows its sample of jobs through informer until they finish', async () => {
  const run = await execa(ripple, ['load', 'jobs', '--rps', '20', '--duration', '3', '--connections', '4', '--sleep', '150', '--samples', '10', '--json'])
  const result = JSON.parse(run.stdout) as JobsLoadResult
  assert.deepEqual(result.target, { rps: 20, durationSeconds: 3, connections: 4, sleepMs: 150 })
  assert.ok(result.requests.ok >= 40, `${result.requests.ok} jobs created`)
  assert.equal(result.requests.errors, 0)
  assert.equal(result.requests.non2xx, 0)
  assert.equal(result.samples.followed, 10)
  assert.equal(result.samples.finished, 10)
  // A job finishes no sooner than its sleep after it was created, and informer shows it no sooner
  // than that; the histogram keeps 3 significant digits, so 150 ms may read as 149.8.
  assert.ok(result.createToFinishMs.p50 >= 149, `create → finish p50 ${result.createToFinishMs.p50} ms`)
  assert.ok(result.createToVisibleMs.p50 >= result.createToFinishMs.p50)
  for (const p of [result.httpMs, result.createToFinishMs, result.createToVisibleMs]) assert.ok(p.p50 <= p.p99 && p.p99 <= p.max)
})

test('load refuses a pipeline it does not know and a rate that is no number, in one sentence', async () => {
  const unknown = await execa(ripple, ['load', 'users'], { reject: false })
  assert.equal(unknown.exitCode, 1)
  assert.match(unknown.stderr, /no load for "users": name jobs/)
  const bad = await execa(ripple, ['load', 'jobs', '--rps', 'fast'], { reject: false })
  assert.notEqual(bad.exitCode, 0)
  assert.match(bad.stderr, /--rps must be a whole number/)
})
