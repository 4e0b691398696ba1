import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { Ajv } from 'ajv'
import type { ValidateFunction } from 'ajv'
import { parse } from 'yaml'
import { loadConnectorFiles, withConnectorKafkaLogin } from '@ripple/stack'
import { CONNECT_SECRET, CONNECT_SECRET_KEY } from '../src/k8s.ts'
import { connectorFiles, deploymentConfig, mavenArtifacts } from '../src/sources.ts'
import { connectorValues, kubernetesTarget } from '../src/target.ts'
import { stackTopics } from '../src/topics.ts'
import { copy, k8sObjects, named, ofKind } from './manifests.ts'

const CRDS = resolve(import.meta.dirname, 'strimzi-1.0.1')

interface Crd { spec: { names: { kind: string }, versions: { name: string, schema: { openAPIV3Schema: Record<string, unknown> } }[] } }

/**
 * The API server prunes, or with kubectl's default strict field validation refuses, a field its
 * structural schema does not declare; the schema says so by omission. Declaring it here
 * (additionalProperties: false wherever properties are listed and unknown fields are not
 * preserved) makes a misspelt field fail offline as it would on apply.
 */
function closeObjects (node: unknown): void {
  if (Array.isArray(node)) return node.forEach(closeObjects)
  if (!node || typeof node !== 'object') return
  const schema = node as Record<string, unknown>
  if (schema.properties && schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) schema.additionalProperties = false
  // oneOf/anyOf branches only say which of the declared fields go together: not whole objects.
  Object.entries(schema).filter(([k]) => !['oneOf', 'anyOf', 'allOf', 'not'].includes(k)).forEach(([, v]) => closeObjects(v))
}

/** One validator per Strimzi kind: its CRD's v1 openAPIV3Schema, the x-kubernetes-* keywords known to Ajv and not enforced. */
function strimziValidators (): Map<string, ValidateFunction> {
  const ajv = new Ajv({ strict: false, allErrors: true })
  for (const keyword of ['x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-embedded-resource']) ajv.addKeyword(keyword)
  const validators = new Map<string, ValidateFunction>()
  for (const file of readdirSync(CRDS).filter(f => f.endsWith('.yaml'))) {
    const crd = parse(readFileSync(join(CRDS, file), 'utf8')) as Crd
    const v1 = crd.spec.versions.find(v => v.name === 'v1')
    if (!v1) continue
    const schema = structuredClone(v1.schema.openAPIV3Schema)
    closeObjects(schema)
    validators.set(crd.spec.names.kind, ajv.compile(schema))
  }
  return validators
}

const validators = strimziValidators()
// KafkaUser's CRD is not among ../shared/k8s-schemas: deploy/test/kafka-security.test.ts checks its shape.
const strimzi = k8sObjects().filter(o => o.object.apiVersion.startsWith('kafka.strimzi.io/') && o.object.kind !== 'KafkaUser')
const config = deploymentConfig()

function validate (object: { kind: string }): ValidateFunction {
  const v = validators.get(object.kind)
  assert.ok(v, `a Strimzi 1.0.1 CRD defines ${object.kind}`)
  v(object)
  return v
}

test('every Strimzi resource is kafka.strimzi.io/v1 and valid against its Strimzi 1.0.1 CRD', () => {
  assert.ok(strimzi.length > 10)
  for (const { file, object } of strimzi) {
    assert.equal(object.apiVersion, 'kafka.strimzi.io/v1', `${file} ${object.metadata.name}`)
    const v = validate(object)
    assert.equal(v.errors ?? null, null, `${file}: ${object.kind} ${object.metadata.name}: ${JSON.stringify(v.errors)}`)
  }
})

test('the CRD validators refuse a node pool without roles, a misspelt field, a topic without partitions to speak of, and a plugin artifact of no known type', () => {
  const pool = copy(named('KafkaNodePool', 'dual-role')!)
  delete (pool.spec as Record<string, unknown>).roles
  assert.equal(validate(pool).errors?.some(e => e.params && 'missingProperty' in e.params && e.params.missingProperty === 'roles'), true)
  const connector = copy(ofKind('KafkaConnector')[0]!)
  ;(connector.spec as Record<string, unknown>).taskMax = 2
  assert.ok(validate(connector).errors?.length)
  const topic = copy(ofKind('KafkaTopic')[0]!)
  ;(topic.spec as Record<string, unknown>).partitions = 0
  assert.ok(validate(topic).errors?.length)
  const connect = copy(ofKind('KafkaConnect')[0]!)
  ;(connect.spec as { build: { plugins: { artifacts: { type: string }[] }[] } }).build.plugins[0]!.artifacts[0]!.type = 'tar.gz'
  assert.ok(validate(connect).errors?.length)
})

test('Kafka: three KRaft nodes, each controller and broker, on persistent volumes, with the cluster settings of RIPPLE_KAFKA_NODES=3', () => {
  const [kafka] = ofKind('Kafka')
  const pools = ofKind('KafkaNodePool')
  assert.ok(kafka)
  assert.equal(pools.length, 1)
  const pool = pools[0]!.spec as { replicas: number, roles: string[], storage: { type: string } }
  assert.equal(pools[0]!.metadata.labels && (pools[0]!.metadata.labels as Record<string, string>)['strimzi.io/cluster'], kafka.metadata.name)
  assert.equal(pool.replicas, 3)
  assert.deepEqual([...pool.roles].sort(), ['broker', 'controller'])
  assert.equal(pool.storage.type, 'persistent-claim')
  const kafkaConfig = (kafka.spec as { kafka: { config: Record<string, unknown>, version: string } }).kafka
  assert.equal(kafkaConfig.version, mavenArtifacts(config).kafkaVersion)
  assert.equal(kafkaConfig.config['default.replication.factor'], 3)
  assert.equal(kafkaConfig.config['min.insync.replicas'], 2)
  assert.equal(kafkaConfig.config['offsets.topic.replication.factor'], 3)
})

test('KafkaConnect: two workers, connector resources on, the pom\'s Debezium archives from Maven Central, internal topics at RF 3, the secrets file mounted for FileConfigProvider', () => {
  const [connect] = ofKind('KafkaConnect')
  assert.ok(connect)
  assert.equal((connect.metadata.annotations as Record<string, string>)['strimzi.io/use-connector-resources'], 'true')
  const spec = connect.spec as { replicas: number, config: Record<string, string>, build: { plugins: { name: string, artifacts: { type: string, url: string }[] }[] }, template: { pod: { volumes: { name: string, secret?: { secretName: string } }[] }, connectContainer: { volumeMounts: { name: string, mountPath: string }[] } } }
  assert.equal(spec.replicas, 2)
  const urls = spec.build.plugins.flatMap(p => p.artifacts.map(a => a.url)).sort()
  assert.deepEqual(urls, mavenArtifacts(config).plugins.map(p => p.url).sort())
  for (const url of urls) assert.match(url, /^https:\/\/repo1\.maven\.org\/maven2\/io\/debezium\/debezium-connector-[a-z]+\/3\.5\.\d+\.Final\//)
  for (const key of ['config.storage.replication.factor', 'offset.storage.replication.factor', 'status.storage.replication.factor']) assert.equal(spec.config[key], '3')
  assert.equal(spec.config['config.providers.file.class'], 'org.apache.kafka.common.config.provider.FileConfigProvider')
  const target = kubernetesTarget(config)
  const volume = spec.template.pod.volumes.find(v => v.secret?.secretName === CONNECT_SECRET)
  assert.ok(volume, 'the Connect secret is a volume')
  const mount = spec.template.connectContainer.volumeMounts.find(m => m.name === volume.name)
  assert.equal(`${mount?.mountPath}/${CONNECT_SECRET_KEY}`, target.connectSecretsFile)
})

test('one KafkaConnector per connectors/*.json, with the config ./ripple up applies except hosts, replication factor and the secrets file', () => {
  const connectors = ofKind('KafkaConnector')
  const files = connectorFiles(config)
  assert.deepEqual(connectors.map(c => c.metadata.name).sort(), files.map(f => f.definition.name).sort())
  // As `up` applies them: with Connect's login for their own clients (schema history).
  const onStack = loadConnectorFiles(config).map(d => withConnectorKafkaLogin(config, d))
  const values = connectorValues(config, kubernetesTarget(config))
  for (const { definition } of files) {
    const resource = connectors.find(c => c.metadata.name === definition.name)!
    const spec = resource.spec as { class: string, tasksMax: number, config: Record<string, string> }
    const applied: Record<string, string> = { 'connector.class': spec.class, 'tasks.max': String(spec.tasksMax), ...spec.config }
    const stack = onStack.find(d => d.name === definition.name)!
    assert.deepEqual(Object.keys(applied).sort(), Object.keys(stack.config).sort(), `${definition.name}: the same settings`)
    for (const [key, raw] of Object.entries(definition.config)) {
      const expected = String(raw).replace(/\$\{([A-Z0-9_]+)\}/g, (_w, name: string) => values[name]!)
      assert.equal(applied[key], expected, `${definition.name} ${key}`)
      if (!/\$\{[A-Z0-9_]+\}/.test(String(raw))) assert.equal(applied[key], stack.config[key], `${definition.name} ${key} as on ./ripple up`)
    }
    // Debezium's own ${...} (the EventRouter's) is left for Debezium.
    if (definition.config['transforms.outbox.route.topic.replacement']) assert.equal(applied['transforms.outbox.route.topic.replacement'], 'outbox.event.${routedByValue}')
  }
})

test('every topic the stack uses is a KafkaTopic with three replicas and min.insync.replicas 2', () => {
  const topics = ofKind('KafkaTopic').map(t => t.spec as { topicName: string, replicas: number, partitions: number, config: Record<string, unknown> })
  const expected = stackTopics()
  for (const name of ['receiver-topic', 'processor-topic', 'postgres-topic', 'clickhouse-topic', 'cdc.table.userdata.users', 'cdc.table.userdata.users.dlq', 'outbox.event.post', 'carga_topic', 'carga.public.tabela', 'postgres-topic.dlq']) {
    assert.ok(expected.some(t => t.name === name), `the stack's topics include ${name}`)
  }
  for (const t of expected) {
    const resource = topics.find(r => r.topicName === t.name)
    assert.ok(resource, `KafkaTopic for ${t.name}`)
    assert.equal(resource.replicas, 3)
    assert.equal(resource.config['min.insync.replicas'], 2)
    assert.equal(resource.partitions, t.partitions)
  }
  assert.equal(topics.length, expected.length)
})
