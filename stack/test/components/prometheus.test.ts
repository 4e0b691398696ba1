import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { prometheus, prometheusConfig } from '../../src/components/prometheus.ts'
import { serviceDefinitions } from '../../src/components/service.ts'
import { loadStackConfig } from '../../src/config.ts'

interface ScrapeConfig { job_name: string, metrics_path: string, static_configs: { targets: string[] }[] }
interface PrometheusYml { global: { scrape_interval: string }, rule_files: string[], scrape_configs: ScrapeConfig[] }

// JSON is YAML, so what Prometheus reads is exactly what JSON.parse reads after the comment line.
const parse = (text: string) => JSON.parse(text.split('\n').filter(l => !l.startsWith('#')).join('\n')) as PrometheusYml

test('default port 9090, as the seed and the Debian package use', () => {
  assert.equal(loadStackConfig({}).ports.prometheus, 9090)
})

test('every service of the stack is scraped at /metrics on its own port, plus Prometheus itself', () => {
  const config = loadStackConfig({ RIPPLE_PROMETHEUS_PORT: '19090', RIPPLE_USER_SERVICE_PORT: '18085' })
  const yml = parse(prometheusConfig(config))
  const services = serviceDefinitions(config)
  assert.ok(services.length >= 2)
  assert.deepEqual(yml.scrape_configs.map(s => s.job_name), ['prometheus', ...services.map(s => s.name), 'gateway'])
  for (const s of yml.scrape_configs) assert.equal(s.metrics_path, '/metrics')
  const targets = Object.fromEntries(yml.scrape_configs.map(s => [s.job_name, s.static_configs.flatMap(c => c.targets)]))
  assert.deepEqual(targets.prometheus, ['127.0.0.1:19090'])
  assert.deepEqual(targets['user-service'], ['127.0.0.1:18085'])
  for (const s of services) assert.deepEqual(targets[s.name], [`127.0.0.1:${s.port}`])
  assert.equal(yml.global.scrape_interval, '5s')
})

test('the process listens on the stack host and keeps its data under RIPPLE_HOME', () => {
  const config = loadStackConfig({ RIPPLE_HOME: '/tmp/ripple-home', RIPPLE_PROMETHEUS_PORT: '19090' })
  const c = prometheus(config)
  const args = c.process().args
  assert.ok(args.includes('--web.listen-address=127.0.0.1:19090'))
  assert.ok(args.includes('--storage.tsdb.path=/tmp/ripple-home/data/prometheus'))
  assert.ok(args.includes('--config.file=/tmp/ripple-home/conf/prometheus.yml'))
  // Its HTTP lifecycle API (POST /-/quit, /-/reload) stays off: `up` reloads by SIGHUP.
  assert.ok(!args.includes('--web.enable-lifecycle'), 'no HTTP lifecycle API')
  assert.deepEqual(c.binaries(), [{ path: '/usr/bin/prometheus', aptPackage: 'prometheus', systemService: 'prometheus' }])
})

test('Prometheus loads every rule file of stack/prometheus/rules where it is, and promtool accepts the config with them', () => {
  const config = loadStackConfig({})
  const yml = parse(prometheusConfig(config))
  const dir = join(config.repoRoot, 'stack', 'prometheus', 'rules')
  const rules = readdirSync(dir).filter(f => f.endsWith('.rules.yml'))
  assert.ok(rules.includes('ripple.rules.yml'))
  assert.deepEqual(yml.rule_files, rules.sort().map(f => join(dir, f)))
  assert.ok(!yml.rule_files.some(f => f.endsWith('.test.yml')), 'promtool tests are not rule files')
  // promtool check config also parses every rule file the config names.
  const tmp = mkdtempSync(join(tmpdir(), 'ripple-prometheus-'))
  try {
    writeFileSync(join(tmp, 'prometheus.yml'), prometheusConfig(config))
    const check = spawnSync('/usr/bin/promtool', ['check', 'config', join(tmp, 'prometheus.yml')], { encoding: 'utf8' })
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`)
    assert.match(check.stdout, /SUCCESS: \d+ rules found/)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
})
