import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { endpoints, loadStackConfig } from '@ripple/stack'

// stack/grafana/jobs-pipeline.dashboard.json against the running stack: every query parses in
// Prometheus and names only metrics the job pipeline's services export.
const config = loadStackConfig()
const dashboard = JSON.parse(readFileSync(join(config.repoRoot, 'stack', 'grafana', 'jobs-pipeline.dashboard.json'), 'utf8')) as {
  uid: string
  panels: { id: number, title: string, datasource: { uid: string }, targets: { expr: string, refId: string }[] }[]
}
const services = { receiver: config.ports.receiver, processor: config.ports.processor, converter: config.ports.converter, informer: config.ports.informer }
const exprs = dashboard.panels.flatMap(p => p.targets.map(t => ({ panel: p.title, expr: t.expr })))
// Metric names are the identifiers Ripple's services and prom-client's defaults use; the rest of a query is PromQL.
const metricNames = (expr: string) => [...expr.matchAll(/\b(?:ripple|process|nodejs)_[a-z0-9_]+\b/g)].map(m => m[0])

/** Every sample name a service exports, from its /metrics: a histogram's are name_bucket, _sum and _count. */
async function exported (port: number): Promise<Set<string>> {
  const text = await (await fetch(`http://${config.host}:${port}/metrics`)).text()
  const names = new Set<string>()
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`)
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(`${name}${suffix}`)
    else names.add(name!)
  }
  return names
}

test('the job pipeline dashboard is well-formed Grafana JSON with a query in every panel', () => {
  assert.equal(dashboard.uid, 'ripple-jobs-pipeline')
  assert.ok(dashboard.panels.length >= 8)
  assert.equal(new Set(dashboard.panels.map(p => p.id)).size, dashboard.panels.length, 'panel ids are unique')
  for (const p of dashboard.panels) {
    assert.ok(p.title, 'every panel has a title')
    assert.equal(p.datasource.uid, '${DS_PROMETHEUS}', `${p.title} reads the Prometheus chosen at import`)
    assert.ok(p.targets.length > 0, `${p.title} has a query`)
  }
  for (const { panel, expr } of exprs) assert.ok(metricNames(expr).length > 0, `${panel}: ${expr} names a metric`)
})

test('every metric the dashboard queries is exported by a job pipeline service', async () => {
  const all = new Set<string>()
  for (const [service, port] of Object.entries(services)) {
    const names = await exported(port)
    assert.ok(names.size > 0, `${service} answers /metrics`)
    for (const name of names) all.add(name)
  }
  for (const { panel, expr } of exprs) {
    for (const name of metricNames(expr)) assert.ok(all.has(name), `${panel}: ${name} is exported by no service`)
  }
})

test('every query of the dashboard is valid PromQL for the stack\'s Prometheus', async () => {
  const prometheus = endpoints(config).prometheusUrl
  for (const { panel, expr } of exprs) {
    const query = expr.replaceAll('$__rate_interval', '1m')
    const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(query)}`)
    const body = await res.json() as { status: string, error?: string }
    assert.equal(body.status, 'success', `${panel}: ${query}: ${body.error ?? ''}`)
  }
})
