import { CATALOGUE, partyName } from '@ripple/contracts'
import type { TopicContract } from '@ripple/contracts'

export interface TopicSpec {
  readonly name: string
  readonly partitions: number
  /** Topic-level settings beyond the cluster's (min.insync.replicas is set on every topic). */
  readonly config: Record<string, string | number>
  /** Who writes or reads it, for the manifest's reader. */
  readonly why: string
}

function why (topic: TopicContract): string {
  const written = topic.producers.map(partyName).join(', ')
  const read = topic.consumers.map(c => `${partyName(c.by)} (group ${c.group})`).join(', ')
  return [written && `written by ${written}`, read && `read by ${read}`].filter(Boolean).join('; ') || topic.summary
}

/**
 * Every topic the stack uses, from the topic catalogue (packages/contracts/src/topics.catalogue.ts):
 * the services' and connectors' topics, their dead-letter topics, schema histories, heartbeats and
 * the DLQ replay log, each with its partitions, cleanup policy and settings.
 */
export function stackTopics (): TopicSpec[] {
  return CATALOGUE.map(topic => ({
    name: topic.name,
    partitions: topic.partitions,
    config: { 'cleanup.policy': topic.cleanupPolicy, ...topic.config },
    why: why(topic)
  }))
}

/** A Kubernetes object name for a topic: lower case, dots and underscores as dashes. */
export function topicResourceName (topic: string): string {
  return topic.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '')
}
