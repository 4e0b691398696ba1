import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Admin } from '@platformatic/kafka'
import { execa } from 'execa'
import type { StackConfig } from '../config.ts'
import { endpoints } from '../config.ts'
import type { Component } from './component.ts'
import { javaArgs, properties, writeLog4j } from './jvm.ts'
import { probe } from './probes.ts'

/** Kafka 4.1 in KRaft mode: one node that is both broker and controller. */
export function kafka (config: StackConfig): Component {
  const dataDir = join(config.paths.data, 'kafka')
  const propsFile = join(config.paths.conf, 'kafka.properties')
  const log4jFile = join(config.paths.conf, 'log4j2.properties')
  const { host } = config

  return {
    name: 'kafka',
    dependsOn: [],
    address: () => `${host}:${config.ports.kafka}`,
    ports: () => [
      { port: config.ports.kafka, what: 'Kafka broker (RIPPLE_KAFKA_PORT)' },
      { port: config.ports.kafkaController, what: 'Kafka controller (RIPPLE_KAFKA_CONTROLLER_PORT)' }
    ],
    binaries: () => [{ path: 'java', aptPackage: 'openjdk-17-jre-headless' }],

    async prepare () {
      await mkdir(dataDir, { recursive: true })
      await writeLog4j(config)
      await writeFile(propsFile, properties({
        'process.roles': 'broker,controller',
        'node.id': 1,
        'controller.quorum.voters': `1@${host}:${config.ports.kafkaController}`,
        listeners: `PLAINTEXT://${host}:${config.ports.kafka},CONTROLLER://${host}:${config.ports.kafkaController}`,
        'advertised.listeners': `PLAINTEXT://${host}:${config.ports.kafka}`,
        'controller.listener.names': 'CONTROLLER',
        'inter.broker.listener.name': 'PLAINTEXT',
        'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        'log.dirs': dataDir,
        'num.partitions': 3,
        'auto.create.topics.enable': true,
        // One node: every internal topic has a single replica.
        'offsets.topic.replication.factor': 1,
        'offsets.topic.num.partitions': 10,
        'transaction.state.log.replication.factor': 1,
        'transaction.state.log.min.isr': 1,
        'share.coordinator.state.topic.replication.factor': 1,
        'share.coordinator.state.topic.min.isr': 1,
        'default.replication.factor': 1,
        'min.insync.replicas': 1,
        // Tests and `up` create groups constantly; waiting 3 s for joiners only slows them.
        'group.initial.rebalance.delay.ms': 0,
        'log.retention.hours': 168,
        'delete.topic.enable': true
      }))
      if (!existsSync(join(dataDir, 'meta.properties'))) {
        // Kafka's Uuid is 16 random bytes in URL-safe base64 without padding.
        const clusterId = randomBytes(16).toString('base64url')
        await execa('java', javaArgs(config, ['-Xmx256m'], log4jFile, 'kafka.tools.StorageTool',
          // One argument: an id that starts with '-' (1 in 64) would otherwise be read as an option.
          ['format', `--cluster-id=${clusterId}`, '--config', propsFile, '--ignore-formatted']))
      }
    },

    process: () => ({
      command: 'java',
      args: javaArgs(config, config.jvm.kafkaHeap, log4jFile, 'kafka.Kafka', [propsFile]),
      // SIGTERM runs Kafka's controlled shutdown: logs flushed, clean-shutdown marker written.
      stopTimeoutMs: 60_000
    }),

    health: () => probe('Kafka metadata', async () => {
      const admin = new Admin({ clientId: 'ripple-health', bootstrapBrokers: endpoints(config).kafkaBrokers, timeout: 2000, retries: 0 })
      try {
        await admin.metadata({ topics: [] })
      } finally {
        await admin.close()
      }
    })
  }
}
