import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { Admin } from '@platformatic/kafka'
import { execa } from 'execa'
import type { KafkaNode, StackConfig } from '../config.ts'
import { KAFKA_PRINCIPALS, kafkaSasl } from '../config.ts'
import { loadConnectorFiles } from '../connectors.ts'
import { StackError } from '../errors.ts'
import { applyKafkaSecurity } from '../kafka-auth.ts'
import type { Component } from './component.ts'
import { ensureCatalogueTopics } from '../kafka-topics.ts'
import { handOver, openToComponents, dropsRoot } from './os-user.ts'
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

/**
 * Who may connect and what they may do: clients (and brokers among themselves) authenticate with
 * SCRAM-SHA-512 on the client listener; the controller listener (loopback) takes SASL/PLAIN with
 * one static account, the super user, since SCRAM's credentials live in the metadata the
 * controllers serve. No ACL, no access. The file holds the super user's password: written 0600.
 */
export function securityProperties (config: StackConfig): Record<string, string> {
  const { username, password } = kafkaSasl(config, KAFKA_PRINCIPALS.admin)
  return {
    'listener.security.protocol.map': 'CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT',
    'inter.broker.listener.name': 'CLIENT',
    'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
    'sasl.mechanism.controller.protocol': 'PLAIN',
    // PLAIN beside SCRAM for ClickHouse alone: 18.16's librdkafka (< 2.6.1) sends a SCRAM proof Kafka 4 refuses
    // (confluentinc/librdkafka#4895), so its one account is in this static list instead.
    'listener.name.client.sasl.enabled.mechanisms': 'SCRAM-SHA-512,PLAIN',
    'listener.name.client.scram-sha-512.sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${username}" password="${password}";`,
    'listener.name.client.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required user_${KAFKA_PRINCIPALS.clickhouse}="${config.kafka.passwords[KAFKA_PRINCIPALS.clickhouse] ?? ''}";`,
    'listener.name.controller.sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.controller.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="${username}" password="${password}" user_${username}="${password}";`,
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found': 'false',
    'super.users': `User:${username}`
  }
}

/** Beside a node's data folder: written once its storage was formatted with the super user's SCRAM credentials. */
const scramMarker = (node: KafkaNode) => join(dirname(node.dataDir), `${basename(node.dataDir)}.scram`)

/** The OS account every Kafka node runs as under a root `up`. */
export const KAFKA_OS_USER = 'ripple-kafka'

/** A Java argument file line (`java @file`): quoted, so the launcher reads it as one argument. */
const argLine = (arg: string) => `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`

/**
 * Formats a node's storage with the super user's SCRAM credentials (KIP-900). The password goes
 * through a 0600 argument file the Java launcher expands (`java @file`), never the process's
 * arguments, and the file is deleted right after.
 */
async function formatStorage (config: StackConfig, node: KafkaNode, args: string[]): Promise<void> {
  const { username, password } = kafkaSasl(config, KAFKA_PRINCIPALS.admin)
  const file = join(config.paths.run, `kafka-format-${node.id}.args`)
  await mkdir(config.paths.run, { recursive: true })
  await writeFile(file, args.concat(`--add-scram=SCRAM-SHA-512=[name=${username},password=${password}]`).map(argLine).join('\n') + '\n', { mode: 0o600 })
  try {
    await chmod(file, 0o600)
    await execa('java', [`@${file}`])
  } finally {
    await rm(file, { force: true })
  }
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
    listeners: `CLIENT://${host}:${node.port},CONTROLLER://${host}:${node.controllerPort}`,
    'advertised.listeners': `CLIENT://${host}:${node.port},CONTROLLER://${host}:${node.controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
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
  // Under a root `up` the broker runs as an account of its own, owning its data and its settings.
  const osUser = dropsRoot() ? KAFKA_OS_USER : undefined
  const dropTo = async () => {
    if (!osUser) return
    await openToComponents([config.paths.kafkaLibs])
    // A cluster's nodes sit in a folder of their own (data/kafka-3-nodes/node-N), which the broker's account must pass through.
    if (dirname(node.dataDir) !== config.paths.data) await chmod(dirname(node.dataDir), 0o711)
    await handOver(osUser, [node.dataDir, propsFile])
  }

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
      await writeFile(propsFile, properties({ ...kafkaProperties(config, node), ...securityProperties(config) }), { mode: 0o600 })
      await chmod(propsFile, 0o600)
      if (existsSync(join(node.dataDir, 'meta.properties'))) {
        if (existsSync(scramMarker(node))) return await dropTo()
        throw new StackError('KAFKA_WITHOUT_ACCOUNTS', `Kafka's data in ${node.dataDir} was formatted by an older Ripple, without the SCRAM accounts Kafka now requires: run ./ripple down --purge (it deletes the stack's data) and ./ripple up again.`)
      }
      const format = config.kafka.nodes.length === 1
        // One argument: an id that starts with '-' (1 in 64) would otherwise be read as an option.
        ? [`--cluster-id=${kafkaUuid()}`]
        : (({ clusterId, initialControllers }) => [`--cluster-id=${clusterId}`, `--initial-controllers=${initialControllers}`])(clusterIdentity(config))
      await formatStorage(config, node, javaArgs(config, ['-Xmx256m'], log4jFile, 'kafka.tools.StorageTool', ['format', ...format, '--config', propsFile, '--ignore-formatted']))
      await writeFile(scramMarker(node), 'formatted with SCRAM-SHA-512 accounts\n')
      await dropTo()
    },

    // Once the first node answers: every principal's credentials and exactly the ACLs declared (idempotent, on every `up`).
    ...(node.id === 1
      ? {
          afterStart: async () => {
            await applyKafkaSecurity(config, loadConnectorFiles(config))
            await ensureCatalogueTopics(config)
          }
        }
      : {}),

    process: () => ({
      command: 'java',
      args: javaArgs(config, config.jvm.kafkaHeap, log4jFile, 'kafka.Kafka', [propsFile]),
      // SIGTERM runs Kafka's controlled shutdown: logs flushed, clean-shutdown marker written.
      stopTimeoutMs: 60_000,
      ...(osUser ? { user: osUser } : {})
    }),

    // This node's own listener: a broker answers metadata once it has joined the quorum and caught up.
    health: () => probe('Kafka metadata', async () => {
      const admin = new Admin({ clientId: 'ripple-health', bootstrapBrokers: [address], sasl: kafkaSasl(config, KAFKA_PRINCIPALS.admin), timeout: 2000, retries: 0 })
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
