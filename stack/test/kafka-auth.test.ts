import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { CATALOGUE, CONNECT_WORKER_TOPICS, DATA_TOPICS, REPLAYS_TOPIC } from '@ripple/contracts'
import { loadStackConfig } from '../src/config.ts'
import { loadConnectorFiles } from '../src/connectors.ts'
import { clickhouseAcls, connectAcls, deriveAcls, serviceAcls, withConnectorKafkaLogin } from '../src/kafka-auth.ts'
import type { AclEntry } from '../src/kafka-auth.ts'
import { readServiceRegistry } from '../src/registry.ts'

const rights = (acls: AclEntry[], principal: string) => acls.filter(a => a.principal === `User:${principal}`)
  .map(a => `${a.resource} ${a.pattern === 'PREFIXED' ? `${a.name}*` : a.name} ${a.operation}`).sort()

test('a service gets read on what it consumes, write on its dead-letter topic and what it produces, and its groups: nothing else', () => {
  const acls = serviceAcls({ name: 'processor', kafka: { consumes: ['receiver-topic'], produces: ['processor-topic'], groups: ['processor'] } })
  assert.deepEqual(rights(acls, 'processor'), [
    'GROUP processor DESCRIBE', 'GROUP processor READ',
    'TOPIC processor-topic CREATE', 'TOPIC processor-topic DESCRIBE', 'TOPIC processor-topic WRITE',
    'TOPIC receiver-topic CREATE', 'TOPIC receiver-topic DESCRIBE', 'TOPIC receiver-topic READ',
    'TOPIC receiver-topic.dlq CREATE', 'TOPIC receiver-topic.dlq DESCRIBE', 'TOPIC receiver-topic.dlq WRITE'
  ])
  assert.deepEqual(serviceAcls({ name: 'idle', kafka: { consumes: [], produces: [], groups: [] } }), [])
})

test('the stack\'s own registry: every consumed topic is declared with its group, no service writes the user changes', () => {
  const config = loadStackConfig({ RIPPLE_HOME: mkdtempSync(join(tmpdir(), 'ripple-acl-')) })
  const acls = deriveAcls(config.services, loadConnectorFiles(config))
  assert.deepEqual(rights(acls, 'notification-service'), [
    'GROUP notification-service DESCRIBE', 'GROUP notification-service READ',
    'TOPIC cdc.table.userdata.users CREATE', 'TOPIC cdc.table.userdata.users DESCRIBE', 'TOPIC cdc.table.userdata.users READ',
    'TOPIC cdc.table.userdata.users.dlq CREATE', 'TOPIC cdc.table.userdata.users.dlq DESCRIBE', 'TOPIC cdc.table.userdata.users.dlq WRITE'
  ])
  // Only Connect (Debezium), the console (a dead letter replayed to where it came from), the operator's CLI and the tests may write the captured user changes.
  const writers = new Set(acls.filter(a => a.operation === 'WRITE' && a.resource === 'TOPIC' && (a.name === 'cdc.table.userdata.users' || a.name === '*' || (a.pattern === 'PREFIXED' && 'cdc.table.userdata.users'.startsWith(a.name)))).map(a => a.principal))
  assert.deepEqual([...writers].sort(), ['User:connect', 'User:console', 'User:ripple-cli', 'User:ripple-test'])
  // No principal but the super user (which has no ACLs) may change ACLs, configs of the cluster, or act as a broker.
  assert.ok(!acls.some(a => a.resource === 'CLUSTER' && a.operation !== 'DESCRIBE'), 'only DESCRIBE on the cluster')
  assert.ok(!acls.some(a => a.principal === 'User:admin'))
})

test('Connect\'s rights follow its connectors: sink topics and connect-<name> groups, source prefixes, schema history, DLQs, the outbox route', () => {
  const acls = connectAcls([
    { name: 'sink', config: { topics: 'a,b', 'errors.deadletterqueue.topic.name': 'a.dlq' } },
    { name: 'cdc', config: { 'topic.prefix': 'cdc.table', 'schema.history.internal.kafka.topic': 'schema-history.x', 'heartbeat.interval.ms': '10000' } },
    { name: 'outbox', config: { 'topic.prefix': 'outbox.cdc', 'transforms.outbox.route.topic.replacement': 'outbox.event.${routedByValue}' } }
  ])
  const r = rights(acls, 'connect')
  for (const expected of [
    'TOPIC a READ', 'TOPIC b READ', 'GROUP connect-sink READ', 'TOPIC a.dlq WRITE',
    'TOPIC cdc.table WRITE', 'TOPIC cdc.table.* WRITE', 'TOPIC __debezium-heartbeat.cdc.table WRITE',
    'TOPIC schema-history.x READ', 'TOPIC schema-history.x WRITE', 'GROUP cdc.table-schemahistory READ',
    'TOPIC outbox.event.* WRITE', 'GROUP ripple-connect READ', 'TOPIC connect-configs WRITE',
    // The tests' throw-away sources: their topics and their schema history's group are under it.
    'TOPIC it.* DESCRIBE_CONFIGS', 'GROUP it.* READ', 'GROUP connect-it-* READ'
  ]) assert.ok(r.includes(expected), `${expected} in ${r.join('; ')}`)
  // A source prefix is matched with its dot: "carga" must not reach carga_topic.
  assert.ok(!r.includes('TOPIC cdc* WRITE') && !r.includes('TOPIC a WRITE'))
  // The history consumer's group is named after the topic prefix (Debezium's default), not the connector.
  assert.ok(!r.includes('GROUP cdc-schemahistory READ'))
})

test('ClickHouse reads the topics and group its Kafka engine tables name', () => {
  assert.deepEqual(rights(clickhouseAcls("ENGINE = Kafka SETTINGS kafka_topic_list = 'clickhouse-topic', kafka_group_name = 'clickhouse'"), 'clickhouse'),
    ['GROUP clickhouse DESCRIBE', 'GROUP clickhouse READ', 'TOPIC clickhouse-topic DESCRIBE', 'TOPIC clickhouse-topic READ'])
})

test('a connector with Debezium\'s schema history gets Connect\'s login by reference, never the password', () => {
  const config = loadStackConfig({ RIPPLE_HOME: mkdtempSync(join(tmpdir(), 'ripple-acl-')) })
  const c = withConnectorKafkaLogin(config, { name: 'x', config: { 'schema.history.internal.kafka.bootstrap.servers': 'h:1' } }).config
  assert.equal(c['schema.history.internal.producer.security.protocol'], 'SASL_PLAINTEXT')
  assert.equal(c['schema.history.internal.consumer.sasl.mechanism'], 'SCRAM-SHA-512')
  assert.match(c['schema.history.internal.consumer.sasl.jaas.config']!, /^\$\{file:.*connect-kafka\.properties:sasl\.jaas\.config\}$/)
  assert.ok(!JSON.stringify(c).includes(config.kafka.passwords.connect!))
})

test('the registry refuses a bad "kafka" declaration, naming the field', () => {
  const root = mkdtempSync(join(tmpdir(), 'ripple-registry-'))
  const write = (kafka: unknown) => {
    mkdirSync(join(root, 'services', 's'), { recursive: true })
    writeFileSync(join(root, 'services', 's', 'package.json'), JSON.stringify({ ripple: { port: 1, portVariable: 'RIPPLE_S_PORT', order: 1, kafka } }))
  }
  write({ consumes: ['t'] })
  assert.throws(() => readServiceRegistry(root), /"ripple" field .* is invalid at kafka: .*names its consumer group/)
  write({ consumes: ['t'], groups: ['g'], produces: ['bad topic'] })
  assert.throws(() => readServiceRegistry(root), /invalid at kafka\.produces\.0: a Kafka topic name/)
  write({ consumes: ['t'], groups: ['g'], reads: ['x'] })
  assert.throws(() => readServiceRegistry(root), /invalid at kafka/)
  write({ consumes: ['t'], groups: ['g'] })
  assert.deepEqual(readServiceRegistry(root)[0]?.kafka, { consumes: ['t'], produces: [], groups: ['g'] })
})

test('every listener of a broker authenticates: SCRAM for clients and brokers, PLAIN with the super user alone on the controller, no access without an ACL', async () => {
  const { kafkaProperties, securityProperties } = await import('../src/components/kafka.ts')
  const config = loadStackConfig({ RIPPLE_HOME: mkdtempSync(join(tmpdir(), 'ripple-acl-')) })
  // What `up` writes to the node's 0600 properties file.
  const props: Record<string, unknown> = { ...kafkaProperties(config, config.kafka.nodes[0]!), ...securityProperties(config) }
  assert.equal(props['listener.security.protocol.map'], 'CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT')
  assert.equal(props['sasl.mechanism.inter.broker.protocol'], 'SCRAM-SHA-512')
  assert.equal(props['listener.name.controller.sasl.enabled.mechanisms'], 'PLAIN')
  // The controller's static list holds one account, the super user's.
  assert.deepEqual([...String(props['listener.name.controller.plain.sasl.jaas.config']).matchAll(/user_([^=]+)=/g)].map(m => m[1]), ['admin'])
  assert.equal(props['authorizer.class.name'], 'org.apache.kafka.metadata.authorizer.StandardAuthorizer')
  assert.equal(props['allow.everyone.if.no.acl.found'], 'false')
  assert.equal(props['super.users'], 'User:admin')
  assert.doesNotMatch(String(props.listeners), /PLAINTEXT:\/\//, 'no listener without a login')
})

test('the ACLs name topics as the catalogue does: each consumer may write its topic\'s dead-letter topic, the console the replays topic, Connect its worker topics', () => {
  const config = loadStackConfig({ RIPPLE_HOME: mkdtempSync(join(tmpdir(), 'ripple-acl-')) })
  const acls = deriveAcls(config.services, loadConnectorFiles(config))
  const writes = (principal: string, topic: string) => acls.some(a => a.principal === `User:${principal}` && a.resource === 'TOPIC' && a.pattern === 'LITERAL' && a.name === topic && a.operation === 'WRITE')
  for (const topic of DATA_TOPICS) {
    for (const { by } of topic.consumers) if ('service' in by) assert.ok(writes(by.service, topic.deadLetter!), `${by.service} writes ${topic.deadLetter}`)
  }
  assert.ok(writes('console', REPLAYS_TOPIC))
  for (const topic of Object.values(CONNECT_WORKER_TOPICS)) assert.ok(writes('connect', topic), `connect writes ${topic}`)
  // …and none is spelt in the ACL code itself, so a renamed topic cannot leave its ACL behind.
  const source = readFileSync(new URL('../src/kafka-auth.ts', import.meta.url), 'utf8')
  for (const name of [...CATALOGUE.map(t => t.name), ...Object.values(CONNECT_WORKER_TOPICS)]) assert.ok(!source.includes(`'${name}'`), `kafka-auth.ts spells ${name}`)
  assert.ok(!source.includes('.dlq`'), 'kafka-auth.ts spells the dead-letter suffix')
})
