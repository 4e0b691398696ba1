import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Admin } from '@platformatic/kafka'
import { execa } from 'execa'
import type { KafkaNode, StackConfig } from '../config.ts'
import type { Component } from './component.ts'
import { javaArgs, properties, writeLog4j } from './jvm.ts'
import { probe } from './probes.ts'

// Kafka's Uuid is 16 random bytes in URL-safe base64 without padding.
const kafkaUuid = (): string => randomBytes(16).toString('base64url')

/**
 * What every node of a cluster is formatted with: one cluster id, and the same
 * `--initial-controllers` string (each controller's id, address and metadata directory id), so
 * the three form one quorum (`--standalone` on each would make three). Written once beside the
 * nodes' folders; synchronous, so nodes prepared at the same moment read the same file.
 */
export function clusterIdentity (config: StackConfig): { clusterId: string, initialControllers: string } {
  const file = join(dirname(config.kafka.nodes[0]!.dataDir), 'cluster.json')
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { clusterId: string, initialControllers: string }
  const identity = {
    clusterId: kafkaUuid(),
    initialControllers: config.kafka.nodes.map(n => `${n.id}@${config.host}:${n.controllerPort}:${kafkaUuid()}`).join(',')
  }
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify(identity, null, 2) + '\n', { flag: 'wx' })
  return identity
}

/** The broker settings of one node: on a cluster, replication 3 and min.insync.replicas 2 for every topic and Kafka's own. */
export function kafkaProperties (config: StackConfig, node: KafkaNode): Record<string, string | number | boolean> {
  const { host } = config
  const { replicationFactor: rf, minInsyncReplicas: isr } = config.kafka
  const cluster = config.kafka.nodes.length > 1
  return {
    'process.roles': 'broker,controller',
    'node.id': node.id,
    // One node names itself the only voter; a cluster's quorum is in its formatted metadata (KIP-853), found through these.
    ...(cluster
      ? { 'controller.quorum.bootstrap.servers': config.kafka.nodes.map(n => `${host}:${n.controllerPort}`).join(',') }
      : { 'controller.quorum.voters': `${node.id}@${host}:${node.controllerPort}` }),
    listeners: `PLAINTEXT://${host}:${node.port},CONTROLLER://${host}:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${host}:${node.port},CONTROLLER://${host}:${node.controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': node.dataDir,
    'num.partitions': 3,
    'auto.create.topics.enable': true,
    'offsets.topic.replication.factor': rf,
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': isr,
    'share.coordinator.state.topic.replication.factor': rf,
    'share.coordinator.state.topic.min.isr': isr,
    'default.replication.factor': rf,
    'min.insync.replicas': isr,
    // A replica that was out of sync never becomes leader: an acks=all write is never lost to an election.
    'unclean.leader.election.enable': false,
    // Tests and `up` create groups constantly; waiting 3 s for joiners only slows them.
    'group.initial.rebalance.delay.ms': 0,
    'log.retention.hours': 168,
    'delete.topic.enable': true
  }
}

/** One Kafka 4.1 node in KRaft combined mode (broker and controller). */
function kafkaNode (config: StackConfig, node: KafkaNode): Component {
  const propsFile = join(config.paths.conf, node.id === 1 ? 'kafka.properties' : `kafka-${node.id}.properties`)
  const log4jFile = join(config.paths.conf, 'log4j2.properties')
  const address = `${config.host}:${node.port}`
  const variable = (base: string) => node.id === 1 ? base : `${base} + ${100 * (node.id - 1)}`

  return {
    name: node.name,
    dependsOn: [],
    address: () => address,
    ports: () => [
      { port: node.port, what: `Kafka broker ${node.id} (${variable('RIPPLE_KAFKA_PORT')})` },
      { port: node.controllerPort, what: `Kafka controller ${node.id} (${variable('RIPPLE_KAFKA_CONTROLLER_PORT')})` }
    ],
    binaries: () => [{ path: 'java', aptPackage: 'openjdk-17-jre-headless' }],

    async prepare () {
      await mkdir(node.dataDir, { recursive: true })
      await writeLog4j(config)
      await writeFile(propsFile, properties(kafkaProperties(config, node)))
      if (existsSync(join(node.dataDir, 'meta.properties'))) return
      const format = config.kafka.nodes.length === 1
        // One argument: an id that starts with '-' (1 in 64) would otherwise be read as an option.
        ? [`--cluster-id=${kafkaUuid()}`]
        : (({ clusterId, initialControllers }) => [`--cluster-id=${clusterId}`, `--initial-controllers=${initialControllers}`])(clusterIdentity(config))
      await execa('java', javaArgs(config, ['-Xmx256m'], log4jFile, 'kafka.tools.StorageTool', ['format', ...format, '--config', propsFile, '--ignore-formatted']))
    },

    process: () => ({
      command: 'java',
      args: javaArgs(config, config.jvm.kafkaHeap, log4jFile, 'kafka.Kafka', [propsFile]),
      // SIGTERM runs Kafka's controlled shutdown: logs flushed, clean-shutdown marker written.
      stopTimeoutMs: 60_000
    }),

    // This node's own listener: a broker answers metadata once it has joined the quorum and caught up.
    health: () => probe('Kafka metadata', async () => {
      const admin = new Admin({ clientId: 'ripple-health', bootstrapBrokers: [address], timeout: 2000, retries: 0 })
      try {
        await admin.metadata({ topics: [] })
      } finally {
        await admin.close()
      }
    })
  }
}

/** Every Kafka node of the stack: `kafka` alone by default, `kafka`, `kafka-2`, `kafka-3` with RIPPLE_KAFKA_NODES=3. */
export function kafkaNodes (config: StackConfig): Component[] {
  return config.kafka.nodes.map(node => kafkaNode(config, node))
}
