// Every topic the stack uses, in one list: the file a new service's author reads to find what
// they may consume or produce. The services' config defaults, the KafkaTopic resources
// (deploy/src/topics.ts), docs/asyncapi.yaml and `./ripple contracts check` are all derived
// from it; each service's package.json "ripple".kafka must agree with it (a unit test says so).
// Not here: Kafka's own `__*` topics and Connect's worker topics (connect-configs, -offsets,
// -status), which belong to the platform, and the tests' throw-away `it.*` topics.
import { cargaChangesTopic, cargaHeartbeatTopic, cargaTopic } from './carga.contract.ts'
import { connectDeadLetterTopicOf, deadLetterTopicOf, replaysTopic } from './dead-letter.contract.ts'
import { schemaHistoryTopic } from './debezium.contract.ts'
import { categoriesTopic, INVENTORY_SINK_CONNECTOR, INVENTORY_SOURCE_CONNECTOR } from './inventory.contract.ts'
import { clickhouseTopic, JOBS_SINK_CONNECTOR, postgresTopic, processorTopic, receiverTopic } from './jobs.contract.ts'
import { OUTBOX_CONNECTOR, postEventsTopic } from './outbox.contract.ts'
import type { Party, TopicContract } from './topic.contract.ts'
import { USERS_CONNECTOR, usersTopic } from './users.contract.ts'

/** The topics services and connectors exchange data on. */
export const DATA_TOPICS: readonly TopicContract[] = [
  usersTopic,
  postEventsTopic,
  receiverTopic,
  processorTopic,
  postgresTopic,
  clickhouseTopic,
  cargaTopic,
  cargaChangesTopic,
  categoriesTopic
]

/** Where their unprocessable records are parked, and the log of replays. */
export const DEAD_LETTER_TOPICS: readonly TopicContract[] = [
  deadLetterTopicOf(usersTopic),
  deadLetterTopicOf(postEventsTopic),
  deadLetterTopicOf(receiverTopic),
  deadLetterTopicOf(processorTopic),
  deadLetterTopicOf(cargaTopic),
  connectDeadLetterTopicOf(postgresTopic, JOBS_SINK_CONNECTOR),
  connectDeadLetterTopicOf(categoriesTopic, INVENTORY_SINK_CONNECTOR),
  replaysTopic
]

/** The connectors' own: Debezium's schema histories and heartbeats. */
export const CONNECTOR_TOPICS: readonly TopicContract[] = [
  schemaHistoryTopic('schema-history.userdata', USERS_CONNECTOR, 'cdc.table'),
  schemaHistoryTopic('schema-history.inventory', INVENTORY_SOURCE_CONNECTOR, 'inventory'),
  schemaHistoryTopic('schema-history.post_service_db', OUTBOX_CONNECTOR, 'outbox.cdc'),
  cargaHeartbeatTopic
]

/**
 * Kafka Connect's worker topics (config.storage.topic, offset.storage.topic, status.storage.topic):
 * the platform's, so not catalogued as topics, but named here so nothing else spells them.
 */
export const CONNECT_WORKER_TOPICS = { config: 'connect-configs', offset: 'connect-offsets', status: 'connect-status' } as const

export const CATALOGUE: readonly TopicContract[] = [...DATA_TOPICS, ...DEAD_LETTER_TOPICS, ...CONNECTOR_TOPICS]

const byName = new Map(CATALOGUE.map(t => [t.name, t]))
if (byName.size !== CATALOGUE.length) throw new Error('the catalogue names a topic twice')

/** A topic's contract by name; undefined for a topic the catalogue does not know. */
export function findTopic (name: string): TopicContract | undefined {
  return byName.get(name)
}

/** A topic's contract by name; throws for one the catalogue does not know, so a typo fails at start-up. */
export function topicContract (name: string): TopicContract {
  const topic = byName.get(name)
  if (!topic) throw new Error(`the topic catalogue has no topic ${name}`)
  return topic
}

const isService = (party: Party, service: string) => 'service' in party && party.service === service

/** What a service does on Kafka by the catalogue: the shape of its package.json "ripple".kafka. */
export function serviceKafkaUse (service: string): { consumes: string[], produces: string[], groups: string[] } {
  // Dead-letter topics are the kit's business: the registry names the topic consumed, the ACLs add its .dlq.
  const declared = CATALOGUE.filter(t => !DEAD_LETTER_TOPICS.includes(t))
  return {
    consumes: declared.filter(t => t.consumers.some(c => isService(c.by, service))).map(t => t.name),
    produces: declared.filter(t => t.producers.some(p => isService(p, service))).map(t => t.name),
    groups: [...new Set(declared.flatMap(t => t.consumers.filter(c => isService(c.by, service)).map(c => c.group)))]
  }
}
