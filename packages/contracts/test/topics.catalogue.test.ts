// The catalogue against what the stack actually declares: the services' package.json "ripple".kafka
// (the ACLs are made from it, stack/src/kafka-auth.ts) and the connectors' settings. The registry
// stays in package.json because the stack and deploy read it without loading service code; this
// test is what keeps the two from drifting.
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, it } from 'node:test'
import { CATALOGUE, findTopic, partyName, serviceKafkaUse } from '../src/index.ts'

const root = resolve(import.meta.dirname, '..', '..', '..')
const services = readdirSync(join(root, 'services')).filter(s => existsSync(join(root, 'services', s, 'package.json')))
const connectors = readdirSync(join(root, 'connectors')).filter(f => f.endsWith('.json'))
  .map(f => JSON.parse(readFileSync(join(root, 'connectors', f), 'utf8')) as { name: string, config: Record<string, string> })
const TOOLS = new Set(['ripple-cli', 'console', 'clickhouse'])
const sorted = (list: readonly string[] | undefined) => [...(list ?? [])].sort()

describe('the topic catalogue', () => {
  for (const service of services) {
    it(`${service}: package.json "ripple".kafka says what the catalogue says`, () => {
      const declared = (JSON.parse(readFileSync(join(root, 'services', service, 'package.json'), 'utf8')) as { ripple?: { kafka?: Record<string, string[]> } }).ripple?.kafka ?? {}
      const catalogue = serviceKafkaUse(service)
      assert.deepEqual(sorted(declared.consumes), sorted(catalogue.consumes), 'consumes')
      assert.deepEqual(sorted(declared.produces), sorted(catalogue.produces), 'produces')
      assert.deepEqual(sorted(declared.groups), sorted(catalogue.groups), 'groups')
    })
  }

  it('names only services, connectors and tools that exist', () => {
    const names = new Set(connectors.map(c => c.name))
    for (const topic of CATALOGUE) {
      for (const party of [...topic.producers, ...topic.consumers.map(c => c.by)]) {
        const ok = 'service' in party ? services.includes(party.service) : 'connector' in party ? names.has(party.connector) : TOOLS.has(party.tool)
        assert.ok(ok, `${topic.name}: ${partyName(party)} is not in services/, connectors/ or the stack's tools`)
      }
      if (topic.deadLetter) assert.ok(findTopic(topic.deadLetter), `${topic.name}'s dead-letter topic ${topic.deadLetter} is in the catalogue`)
    }
  })

  for (const { name, config } of connectors) {
    it(`connector ${name}: its topics are in the catalogue, as it writes and reads them`, () => {
      const routed = Object.entries(config).some(([k, v]) => /^transforms\.[^.]+\.type$/.test(k) && v.endsWith('EventRouter'))
      const prefix = config['topic.prefix']
      if (prefix && !routed) {
        for (const table of (config['table.include.list'] ?? '').split(',').map(t => t.trim().replace(/\\\./g, '.')).filter(Boolean)) {
          const topic = findTopic(`${prefix}.${table}`)
          assert.ok(topic, `${prefix}.${table} is in the catalogue`)
          assert.ok(topic.producers.some(p => 'connector' in p && p.connector === name), `${topic.name} names ${name} as a producer`)
          const partitions = config['topic.creation.default.partitions']
          if (partitions) assert.equal(topic.partitions, Number(partitions), `${topic.name}'s partitions`)
        }
      }
      if (routed) {
        const replacement = Object.entries(config).find(([k]) => /route\.topic\.replacement$/.test(k))?.[1] ?? ''
        const routes = CATALOGUE.filter(t => t.pattern !== undefined && replacement.startsWith(t.pattern.replace(/\{.*$/, '')))
        assert.ok(routes.length > 0 && routes.every(t => t.producers.some(p => 'connector' in p && p.connector === name)), `an outbox route of ${name} is in the catalogue`)
      }
      for (const read of (config.topics ?? '').split(',').map(t => t.trim()).filter(Boolean)) {
        const topic = findTopic(read)
        assert.ok(topic, `${read} is in the catalogue`)
        assert.ok(topic.consumers.some(c => c.group === `connect-${name}` && 'connector' in c.by && c.by.connector === name), `${read} names the group connect-${name}`)
        assert.equal(topic.deadLetter, config['errors.deadletterqueue.topic.name'], `${read}'s dead-letter topic`)
      }
      const history = config['schema.history.internal.kafka.topic']
      if (history) assert.ok(findTopic(history)?.producers.some(p => 'connector' in p && p.connector === name), `${history} is in the catalogue as ${name}'s`)
      if (Number(config['heartbeat.interval.ms'] ?? 0) > 0) assert.ok(findTopic(`__debezium-heartbeat.${prefix}`), 'its heartbeat topic is in the catalogue')
    })
  }
})
