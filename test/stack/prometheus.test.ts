import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { loadStackConfig, serviceDefinitions } from '@ripple/stack'
import { prometheusRuleFiles } from '@ripple/stack/components'
import { eventually, stack } from '@ripple/testing'

const config = loadStackConfig()
const services = serviceDefinitions(config)

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

interface RuleGroup { name: string, file: string, rules: { name: string, type: 'alerting' | 'recording', health: string, lastError?: string }[] }

test('Prometheus has loaded every rule group and each rule is healthy', async () => {
  // What the rule files declare, read from their own lines: `  - name:` opens a group, `- alert:`/`- record:` a rule.
  const declared = prometheusRuleFiles(config).flatMap(file => {
    const groups: { file: string, name: string, rules: string[] }[] = []
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const group = /^ {2}- name: (\S+)$/.exec(line)?.[1]
      if (group !== undefined) groups.push({ file, name: group, rules: [] })
      const rule = /^\s+- (?:alert|record): (\S+)$/.exec(line)?.[1]
      if (rule !== undefined) groups.at(-1)?.rules.push(rule)
    }
    return groups
  })
  assert.ok(declared.length > 0 && declared.every(g => g.rules.length > 0))
  // Every rule is evaluated once before its health leaves "unknown": wait for one evaluation interval or more.
  const loaded = await eventually(async () => {
    const res = await fetch(`${stack.prometheusUrl}/api/v1/rules`)
    const groups = ((await res.json()) as { data: { groups: RuleGroup[] } }).data.groups
    const unhealthy = groups.flatMap(g => g.rules).filter(r => r.health !== 'ok')
    if (unhealthy.length > 0) throw new Error(`not healthy: ${unhealthy.map(r => `${r.name} (${r.health}${r.lastError ? `: ${r.lastError}` : ''})`).join(', ')}`)
    return groups
  })
  assert.deepEqual(
    loaded.map(g => ({ file: g.file, name: g.name, rules: g.rules.map(r => r.name) })).sort((a, b) => a.name.localeCompare(b.name)),
    declared.sort((a, b) => a.name.localeCompare(b.name))
  )
})
