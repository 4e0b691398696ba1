import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { connectWorkers } from '../../src/components/connect.ts'
import { clusterIdentity, kafkaNodes, kafkaProperties } from '../../src/components/kafka.ts'
import { KAFKA_NODES_FILE, endpoints, loadStackConfig } from '../../src/config.ts'
import { loadConnectorFiles, placeholders } from '../../src/connectors.ts'
import { StackError } from '../../src/errors.ts'

const home = () => mkdtempSync(join(tmpdir(), 'ripple-kafka-'))

test('one node by default: kafka alone, replication 1, one Connect worker, the single-voter quorum', () => {
  const config = loadStackConfig({ RIPPLE_HOME: home() })
  assert.deepEqual(config.kafka.nodes.map(n => [n.name, n.port, n.controllerPort]), [['kafka', 9092, 9093]])
  assert.equal(config.kafka.replicationFactor, 1)
  assert.equal(config.kafka.minInsyncReplicas, 1)
  assert.deepEqual(config.connectWorkers.map(w => w.name), ['connect'])
  const props = kafkaProperties(config, config.kafka.nodes[0]!)
  assert.equal(props['controller.quorum.voters'], '1@127.0.0.1:9093')
  assert.equal(props['controller.quorum.bootstrap.servers'], undefined)
  assert.equal(props['offsets.topic.replication.factor'], 1)
})

test('RIPPLE_KAFKA_NODES=3: three combined nodes 100 ports apart, RF 3 and min.insync 2 everywhere, two Connect workers', () => {
  const config = loadStackConfig({ RIPPLE_HOME: home(), RIPPLE_KAFKA_NODES: '3' })
  assert.deepEqual(config.kafka.nodes.map(n => [n.name, n.id, n.port, n.controllerPort]), [['kafka', 1, 9092, 9093], ['kafka-2', 2, 9192, 9193], ['kafka-3', 3, 9292, 9293]])
  assert.equal(new Set(config.kafka.nodes.map(n => n.dataDir)).size, 3, 'each node its own log dir')
  assert.deepEqual(endpoints(config).kafkaBrokers, ['127.0.0.1:9092', '127.0.0.1:9192', '127.0.0.1:9292'])
  assert.deepEqual(config.connectWorkers.map(w => [w.name, w.port]), [['connect', 8083], ['connect-2', 8183]])
  for (const node of config.kafka.nodes) {
    const props = kafkaProperties(config, node)
    assert.equal(props['process.roles'], 'broker,controller')
    assert.equal(props['node.id'], node.id)
    assert.equal(props['controller.quorum.bootstrap.servers'], '127.0.0.1:9093,127.0.0.1:9193,127.0.0.1:9293')
    assert.equal(props['controller.quorum.voters'], undefined, 'the quorum comes from --initial-controllers, not a static voter list')
    for (const key of ['default.replication.factor', 'offsets.topic.replication.factor', 'transaction.state.log.replication.factor']) assert.equal(props[key], 3, key)
    for (const key of ['min.insync.replicas', 'transaction.state.log.min.isr']) assert.equal(props[key], 2, key)
    assert.equal(props['unclean.leader.election.enable'], false)
  }
  // Every service, Connect and ClickHouse wait for all three nodes.
  assert.deepEqual(connectWorkers(config).map(c => c.dependsOn), [['kafka', 'kafka-2', 'kafka-3'], ['kafka', 'kafka-2', 'kafka-3']])
  assert.deepEqual(kafkaNodes(config).map(c => c.dependsOn), [[], [], []], 'started together: a leader needs two of three')
  assert.equal(placeholders(config).RIPPLE_KAFKA_REPLICATION_FACTOR, '3')
  for (const d of loadConnectorFiles(config)) {
    for (const [key, value] of Object.entries(d.config)) if (key.endsWith('replication.factor')) assert.equal(value, '3', `${d.name} ${key}`)
  }
})

test('every node of a cluster is formatted with the same cluster id and the same --initial-controllers, each controller with its own directory id', () => {
  const config = loadStackConfig({ RIPPLE_HOME: home(), RIPPLE_KAFKA_NODES: '3' })
  const first = clusterIdentity(config)
  assert.deepEqual(clusterIdentity(config), first, 'read back, not drawn again')
  const controllers = first.initialControllers.split(',')
  assert.equal(controllers.length, 3)
  controllers.forEach((c, i) => assert.match(c, new RegExp(`^${i + 1}@127\\.0\\.0\\.1:${9093 + 100 * i}:[A-Za-z0-9_-]{22}$`)))
  assert.equal(new Set(controllers.map(c => c.split(':')[2])).size, 3)
  assert.match(first.clusterId, /^[A-Za-z0-9_-]{22}$/)
})

test('without RIPPLE_KAFKA_NODES the count `up` recorded holds; a count other than 1, 3 or 5 is refused naming the variable', () => {
  const recorded = home()
  mkdirSync(join(recorded, 'conf'), { recursive: true })
  writeFileSync(join(recorded, 'conf', KAFKA_NODES_FILE), '3\n')
  assert.equal(loadStackConfig({ RIPPLE_HOME: recorded }).kafka.nodes.length, 3)
  assert.equal(loadStackConfig({ RIPPLE_HOME: recorded, RIPPLE_KAFKA_NODES: '1' }).kafka.nodes.length, 1)
  assert.throws(() => loadStackConfig({ RIPPLE_HOME: home(), RIPPLE_KAFKA_NODES: '2' }), (err: unknown) => err instanceof StackError && /RIPPLE_KAFKA_NODES/.test(err.message))
})
