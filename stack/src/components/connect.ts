import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CONNECT_WORKER_TOPICS } from '@ripple/contracts'
import type { ConnectWorker, StackConfig } from '../config.ts'
import { connectTarget, endpoints } from '../config.ts'
import { connectFetch } from '@ripple/operations'
import { connectCredentialsFile, connectJaasFile, connectSecretsFile, writeConnectRestAuth, writeConnectSecrets } from '../connectors.ts'
import { CONNECT_GROUP, connectKafkaLoginFile, javaClientSecurity, writeConnectKafkaLogin } from '../kafka-auth.ts'
import type { Component } from './component.ts'
import { javaArgs, properties, writeLog4j } from './jvm.ts'
import { handOver, openToComponents, dropsRoot } from './os-user.ts'
import { probe } from './probes.ts'

/** The OS account every Connect worker runs as under a root `up`. */
export const CONNECT_OS_USER = 'ripple-connect'

/**
 * The REST API's door: every call authenticates (HTTP Basic against the accounts file, see
 * writeConnectRestAuth), and no connector config may change its Kafka clients' settings, since
 * those clients act with the worker's own Kafka rights. The sinks' consumer tuning lives at the
 * worker level instead (`consumer.*` applies to every sink task's consumer).
 */
const restSecurity = {
  'rest.extension.classes': 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension',
  'connector.client.config.override.policy': 'None',
  // The jobs sink's batches (batch.size 1000): up to 1,000 records per poll, and a fetch waits for
  // 64 KiB or 200 ms, so a caught-up sink still writes in batches instead of record by record.
  'consumer.max.poll.records': 1000,
  'consumer.fetch.min.bytes': 65_536,
  'consumer.fetch.max.wait.ms': 200,
  // A sink never creates the topic it reads: its source or producer does, with the right partitions.
  'consumer.allow.auto.create.topics': false
}

/**
 * The worker's Kafka login, as principal `connect` (SCRAM-SHA-512): for the worker's own clients
 * (group membership, internal topics) and, prefixed, for its connectors' producers, consumers and
 * admin clients. The password stays in a 0600 file the FileConfigProvider reads (worker settings
 * resolve ${file:…} too).
 */
function kafkaLogin (config: StackConfig): Record<string, string> {
  const jaas = `\${file:${connectKafkaLoginFile(config)}:sasl.jaas.config}`
  return {
    ...javaClientSecurity(jaas),
    ...javaClientSecurity(jaas, 'producer.'),
    ...javaClientSecurity(jaas, 'consumer.'),
    ...javaClientSecurity(jaas, 'admin.')
  }
}

/** Every worker of the stack's Connect group: `connect` alone, or `connect` and `connect-2` beside a Kafka cluster. */
export function connectWorkers (config: StackConfig): Component[] {
  return config.connectWorkers.map(worker => connectWorker(config, worker))
}

/**
 * One Kafka Connect worker in distributed mode, with every Debezium plugin folder on its
 * plugin.path. Workers share group.id and the internal topics, so Connect spreads the connectors'
 * tasks over them and moves a lost worker's tasks to the others.
 */
function connectWorker (config: StackConfig, worker: ConnectWorker): Component {
  const first = worker.name === 'connect'
  const propsFile = join(config.paths.conf, first ? 'connect-distributed.properties' : `${worker.name}-distributed.properties`)
  const log4jFile = join(config.paths.conf, 'log4j2.properties')
  const { kafkaBrokers } = endpoints(config)
  const url = `http://${config.host}:${worker.port}`
  const rf = config.kafka.replicationFactor
  // Under a root `up` the worker runs as an account of its own, owning the files it reads its logins from.
  const osUser = dropsRoot() ? CONNECT_OS_USER : undefined
  const dropTo = async () => {
    if (!osUser) return
    await openToComponents([config.paths.kafkaLibs, config.paths.connectPlugins])
    await handOver(osUser, [propsFile, connectJaasFile(config), connectCredentialsFile(config), connectSecretsFile(config), connectKafkaLoginFile(config)])
  }

  return {
    name: worker.name,
    dependsOn: config.kafka.nodes.map(n => n.name),
    address: () => url,
    ports: () => [{ port: worker.port, what: `Kafka Connect REST of ${worker.name} (${first ? 'RIPPLE_CONNECT_PORT' : `RIPPLE_CONNECT_PORT + ${worker.port - config.ports.connect}`})` }],
    binaries: () => [{ path: 'java', aptPackage: 'openjdk-17-jre-headless' }],

    async prepare () {
      await mkdir(config.paths.conf, { recursive: true })
      await writeLog4j(config)
      await writeFile(propsFile, properties({
        'bootstrap.servers': kafkaBrokers.join(','),
        'group.id': CONNECT_GROUP,
        'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'key.converter.schemas.enable': true,
        'value.converter.schemas.enable': true,
        'config.storage.topic': CONNECT_WORKER_TOPICS.config,
        'offset.storage.topic': CONNECT_WORKER_TOPICS.offset,
        'status.storage.topic': CONNECT_WORKER_TOPICS.status,
        'config.storage.replication.factor': rf,
        'offset.storage.replication.factor': rf,
        'status.storage.replication.factor': rf,
        // A worker that left (a crash) gets this long to come back before its tasks move to the
        // others; Connect's default, 5 min, would leave CDC stopped that long on a two-worker group.
        'scheduled.rebalance.max.delay.ms': 10_000,
        // Source offsets are flushed every second so a restart replays at most ~1 s of events.
        'offset.flush.interval.ms': 1000,
        listeners: url,
        'rest.advertised.host.name': config.host,
        'rest.advertised.port': worker.port,
        'plugin.path': config.paths.connectPlugins,
        // Every Debezium 3.x plugin ships ServiceLoader manifests, so the slow reflective scan is skipped.
        'plugin.discovery': 'service_load',
        // Source connectors may create their topics (Debezium's topic.creation.* settings).
        'topic.creation.enable': true,
        // Producers of source tasks: no loss, no duplicates from retries.
        'producer.acks': 'all',
        'producer.enable.idempotence': true,
        'producer.linger.ms': 5,
        // Connectors name their passwords as ${file:<RIPPLE_HOME/conf/connect-secrets.properties>:<key>}:
        // resolved when a task starts, never stored in connect-configs nor shown by the REST API.
        'config.providers': 'file',
        'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
        'config.providers.file.param.allowed.paths': config.paths.conf,
        ...kafkaLogin(config),
        ...restSecurity
      }))
      writeConnectSecrets(config)
      writeConnectKafkaLogin(config)
      writeConnectRestAuth(config)
      await dropTo()
    },

    // On every `up`: a password changed since Connect started reaches the next task (re)start.
    // The REST accounts file is read at each login, so a changed password counts at once too.
    async afterStart () {
      writeConnectSecrets(config)
      writeConnectKafkaLogin(config)
      writeConnectRestAuth(config)
      await dropTo()
    },

    process: () => ({
      command: 'java',
      // The JAAS file's path only; the passwords are in the 0600 file it names.
      args: [`-Djava.security.auth.login.config=${connectJaasFile(config)}`, ...javaArgs(config, config.jvm.connectHeap, log4jFile, 'org.apache.kafka.connect.cli.ConnectDistributed', [propsFile])],
      stopTimeoutMs: 60_000,
      ...(osUser ? { user: osUser } : {})
    }),

    // The REST server answers / before the herder is ready; /connectors answers only when it is.
    health: () => probe(`${url}/connectors`, async () => {
      const res = await connectFetch(connectTarget(config, 'cli', url), '/connectors', {}, 2000)
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
    })
  }
}
