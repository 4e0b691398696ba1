import { Admin } from '@platformatic/kafka'
import { DATA_TOPICS, DEAD_LETTER_TOPICS } from '@ripple/contracts'
import type { TopicContract } from '@ripple/contracts'
import type { StackConfig } from './config.ts'
import { endpoints, KAFKA_PRINCIPALS, kafkaSasl } from './config.ts'

/**
 * The catalogue's topics `up` makes, as Strimzi's KafkaTopic resources do in deploy/: the data
 * topics and their dead-letter topics, with the catalogue's partitions and cleanup policy. Left
 * to their makers: Debezium's schema histories and heartbeats (Debezium sets their retention), and
 * Kafka's and Connect's own. Without this a topic exists only once its first record was written,
 * so a fresh stack refused a record produced by hand to a sink's topic (unknown topic).
 */
export const TOPICS_UP_MAKES: readonly TopicContract[] = [...DATA_TOPICS, ...DEAD_LETTER_TOPICS]

/** Creates the catalogue's topics that are missing; existing ones are left as they are. Answers the names it created. */
export async function ensureCatalogueTopics (config: StackConfig, topics: readonly TopicContract[] = TOPICS_UP_MAKES): Promise<string[]> {
  const admin = new Admin({ clientId: 'ripple-up', bootstrapBrokers: endpoints(config).kafkaBrokers, sasl: kafkaSasl(config, KAFKA_PRINCIPALS.admin) })
  try {
    const existing = new Set(await admin.listTopics())
    const missing = topics.filter(t => !existing.has(t.name))
    for (const t of missing) {
      await admin.createTopics({ topics: [t.name], partitions: t.partitions, replicas: config.kafka.replicationFactor, configs: [{ name: 'cleanup.policy', value: t.cleanupPolicy }] })
        // Made meanwhile by its producer or by Debezium: what matters is that it exists.
        .catch(async (err: unknown) => { if (!(await admin.listTopics()).includes(t.name)) throw err })
    }
    return missing.map(t => t.name)
  } finally {
    await admin.close()
  }
}
