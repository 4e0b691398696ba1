// What the catalogue says of one topic. Everything else (the services' config defaults, the
// KafkaTopic resources, docs/asyncapi.yaml, the compatibility check) is derived from these, so a
// topic is described once.
import { z } from 'zod'

/**
 * How the bytes are laid out: `json` a JSON value, `connect-json` Kafka Connect's JsonConverter
 * with schemas on (`{schema, payload}`: a JDBC sink reads the columns from it), `string` UTF-8
 * text, `csv` one CSV row, `bytes` whatever the record it stands for held (dead letters).
 */
export type Encoding = 'json' | 'connect-json' | 'string' | 'csv' | 'bytes'

/** Who writes or reads a topic: a service (its folder under services/), a connector (connectors/<name>.json) or a part of the stack. */
export type Party =
  | { readonly service: string }
  | { readonly connector: string }
  | { readonly tool: string }

export interface TopicConsumer {
  readonly group: string
  readonly by: Party
  /**
   * The value's fields it reads (dotted paths, `after.email`). Unset: it is taken to read every
   * field, so removing any field breaks it. The compatibility check names only the consumers a
   * change touches.
   */
  readonly reads?: readonly string[]
}

export interface TopicContract<K extends z.ZodType = z.ZodType, V extends z.ZodType = z.ZodType> {
  readonly name: string
  /** A family's naming rule (`outbox.event.{aggregateType}`), `name` being the member the stack uses. */
  readonly pattern?: string
  readonly summary: string
  readonly key: { readonly schema: K, readonly encoding: Encoding, readonly description: string }
  readonly value: { readonly schema: V, readonly encoding: Encoding, readonly description: string }
  /** The headers a record carries, each a string. */
  readonly headers: z.ZodObject
  readonly partitions: number
  readonly cleanupPolicy: 'delete' | 'compact'
  /** Topic-level settings beyond the cluster's (retention, …). */
  readonly config?: Readonly<Record<string, string | number>>
  /** Where what its consumers can never process is parked; unset when nothing parks it. */
  readonly deadLetter?: string
  readonly producers: readonly Party[]
  readonly consumers: readonly TopicConsumer[]
}

/** Checks at definition time what the types cannot (a DLQ naming itself, a group read twice), so a mistake fails on import. */
export function defineTopic<K extends z.ZodType, V extends z.ZodType> (topic: TopicContract<K, V>): TopicContract<K, V> {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic.name)) throw new Error(`${topic.name}: not a legal Kafka topic name`)
  if (topic.deadLetter === topic.name) throw new Error(`${topic.name}: its dead-letter topic is itself`)
  const groups = topic.consumers.map(c => c.group)
  if (new Set(groups).size !== groups.length) throw new Error(`${topic.name}: a consumer group is listed twice`)
  if (!Number.isInteger(topic.partitions) || topic.partitions < 1) throw new Error(`${topic.name}: partitions must be a whole number ≥ 1`)
  return topic
}

export const noHeaders = z.object({})

/** "service notification-service", "connector outbox-connector": how a party is written in messages and docs. */
export function partyName (party: Party): string {
  if ('service' in party) return party.service
  if ('connector' in party) return `connector ${party.connector}`
  return party.tool
}

/** The Kafka principal a party's client would authenticate as, for AsyncAPI's operation ids. */
export function partyId (party: Party): string {
  if ('service' in party) return party.service
  if ('connector' in party) return `connector-${party.connector}`
  return party.tool
}
