import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadStackConfig, serviceDefinitions } from '@ripple/stack'
import { eventually, stack } from '@ripple/testing'

const services = serviceDefinitions(loadStackConfig())

interface Target { labels: { job: string }, scrapeUrl: string, health: string, lastError: string }
const activeTargets = async () => {
  const res = await fetch(`${stack.prometheusUrl}/api/v1/targets?state=active`)
  return ((await res.json()) as { data: { activeTargets: Target[] } }).data.activeTargets
}

test('Prometheus is ready', async () => {
  const res = await fetch(`${stack.prometheusUrl}/-/ready`)
  assert.equal(res.status, 200)
})

test('every service\'s /metrics is a target, and every one is up', async () => {
  const targets = await eventually(async () => {
    const found = await activeTargets()
    const down = found.filter(t => t.health !== 'up')
    if (down.length > 0) throw new Error(`not up: ${down.map(t => `${t.labels.job} (${t.lastError || t.health})`).join(', ')}`)
    return found
  })
  const byJob = new Map(targets.map(t => [t.labels.job, t.scrapeUrl]))
  assert.ok(services.some(s => s.name === 'user-service') && services.some(s => s.name === 'notification-service'))
  for (const s of services) assert.equal(byJob.get(s.name), `http://127.0.0.1:${s.port}/metrics`, s.name)
  assert.equal(byJob.get('prometheus'), `${stack.prometheusUrl}/metrics`)
})

test('what the services export is stored: samples from user-service\'s last scrape', async () => {
  const samples = await eventually(async () => {
    const res = await fetch(`${stack.prometheusUrl}/api/v1/query?query=${encodeURIComponent('scrape_samples_scraped{job="user-service"}')}`)
    const body = await res.json() as { data: { result: { value: [number, string] }[] } }
    const value = Number(body.data.result[0]?.value[1] ?? 0)
    if (value === 0) throw new Error('no sample from user-service yet')
    return value
  })
  assert.ok(samples > 0)
})
