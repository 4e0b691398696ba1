import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as contracts from '../../packages/contracts/src/index.ts'
import { deadLetterTopic } from '../../packages/kit/src/retry/dead-letter.publisher.ts'
import { REPLAYS_TOPIC } from '../../stack/src/commands/dlq.command.ts'
import type { StackConfig } from '../../stack/src/config.ts'
import type { ConnectorDefinition } from '../../stack/src/connectors.ts'
import { kafkaProperties } from '../../stack/src/components/kafka.ts'

export interface TopicSpec {
  readonly name: string
  readonly partitions: number
  /** Topic-level settings beyond the cluster's (min.insync.replicas is set on every topic). */
  readonly config: Record<string, string | number>
  /** Who writes or reads it, for the manifest's reader. */
  readonly why: string
}


/** The topic settings of one service's config.ts: `NAME_TOPIC: z.string()….default('topic' | CONSTANT)`. */
export function serviceTopics (config: StackConfig, service: string): { setting: string, topic: string }[] {
  const file = join(config.repoRoot, 'services', service, 'src', 'config.ts')
  if (!existsSync(file)) return []
  const text = readFileSync(file, 'utf8')
  const found: { setting: string, topic: string }[] = []
  for (const [, setting = '', literal, constant] of text.matchAll(/\b([A-Z_]*TOPIC):\s*z\.string\(\)[^\n]*?\.default\((?:'([^']+)'|([A-Z_]+))\)/g)) {
    const topic = literal ?? (contracts as Record<string, unknown>)[constant ?? '']
    if (typeof topic !== 'string') throw new Error(`services/${service}/src/config.ts: ${setting} defaults to ${constant}, which @ripple/contracts does not export as a string`)
    found.push({ setting, topic })
  }
  return found
}

/**
 * The topic settings a service consumes: those its app.ts hands to the kit's consumer
 * (`consume({ topics: [config.TOPIC] })`, or a `topics` object it consumes from); the kit parks
 * what can never be processed in `<topic>.dlq`.
 */
export function consumedSettings (config: StackConfig, service: string): Set<string> {
  const file = join(config.repoRoot, 'services', service, 'src', 'app.ts')
  if (!existsSync(file)) return new Set()
  const text = readFileSync(file, 'utf8')
  if (!/\bconsume\(/.test(text)) return new Set()
  const lines = text.split('\n').filter(line => /\btopics\b/.test(line))
  return new Set(lines.flatMap(line => [...line.matchAll(/config\.([A-Z_]*TOPIC)\b/g)].map(m => m[1] ?? '')))
}

const unescapeRegex = (pattern: string): string[] => pattern.split(',').map(p => p.trim().replace(/\\\./g, '.')).filter(Boolean)

/**
 * Every topic the stack uses: the services' own (their config defaults, from @ripple/contracts
 * where the contract names it), the dead-letter topic of each topic a service consumes, the
 * topics the connectors write (table topics, schema history, heartbeats, dead letters) and
 * the DLQ replay log. The broker's `num.partitions` is the default partition count, as on the stack.
 */
export function stackTopics (config: StackConfig, connectors: readonly ConnectorDefinition[]): TopicSpec[] {
  const node = config.kafka.nodes[0]
  const defaultPartitions = Number(node ? kafkaProperties(config, node)['num.partitions'] : 3)
  const topics = new Map<string, TopicSpec>()
  const add = (t: TopicSpec): void => { if (!topics.has(t.name)) topics.set(t.name, t) }

  for (const service of config.services) {
    const consumed = consumedSettings(config, service.name)
    for (const { setting, topic } of serviceTopics(config, service.name)) {
      add({ name: topic, partitions: defaultPartitions, config: {}, why: `${service.name} (${setting})` })
      if (consumed.has(setting)) {
        add({ name: deadLetterTopic(topic), partitions: defaultPartitions, config: {}, why: `${service.name}'s dead letters of ${topic}` })
      }
    }
  }
  for (const { name, config: c } of connectors) {
    const partitions = Number(c['topic.creation.default.partitions'] ?? defaultPartitions)
    const routed = (c.transforms ?? '').split(',').some(t => /EventRouter$/.test(c[`transforms.${t.trim()}.type`] ?? ''))
    if (c['topic.prefix'] && !routed) {
      for (const table of unescapeRegex(c['table.include.list'] ?? '')) add({ name: `${c['topic.prefix']}.${table}`, partitions, config: {}, why: `connector ${name}` })
    }
    for (const topic of (c.topics ?? '').split(',').map(t => t.trim()).filter(Boolean)) add({ name: topic, partitions: defaultPartitions, config: {}, why: `connector ${name} reads it` })
    const history = c['schema.history.internal.kafka.topic']
    // Debezium's schema history must be one partition, kept forever.
    if (history) add({ name: history, partitions: 1, config: { 'retention.ms': -1, 'retention.bytes': -1, 'cleanup.policy': 'delete' }, why: `connector ${name}'s schema history` })
    if (Number(c['heartbeat.interval.ms'] ?? 0) > 0 && c['topic.prefix']) {
      add({ name: `__debezium-heartbeat.${c['topic.prefix']}`, partitions: 1, config: {}, why: `connector ${name}'s heartbeats` })
    }
    const dlq = c['errors.deadletterqueue.topic.name']
    if (dlq) add({ name: dlq, partitions: 1, config: {}, why: `connector ${name}'s dead letters` })
  }
  add({ name: REPLAYS_TOPIC, partitions: 1, config: { 'cleanup.policy': 'compact' }, why: './ripple dlq replay (and the console) record replays here' })
  return [...topics.values()]
}

/** A Kubernetes object name for a topic: lower case, dots and underscores as dashes. */
export function topicResourceName (topic: string): string {
  return topic.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '')
}
