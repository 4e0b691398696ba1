import { randomUUID } from 'node:crypto'
import { Admin, Consumer, stringDeserializers } from '@platformatic/kafka'
import type { Message } from '@platformatic/kafka'

/**
 * Reads a topic from the start in a throwaway consumer group until `done` says enough was seen
 * or the deadline passes; returns what it saw either way so the test's assertions speak.
 */
export async function readTopic (brokers: string[], topic: string, done: (seen: Message<string, string, string, string>[]) => boolean, timeoutMs = 60_000): Promise<Message<string, string, string, string>[]> {
  const consumer = new Consumer({
    clientId: 'ripple-test-reader',
    groupId: `test-reader-${randomUUID()}`,
    bootstrapBrokers: brokers,
    deserializers: stringDeserializers,
    maxWaitTime: 200
  })
  const seen: Message<string, string, string, string>[] = []
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false })
  const timer = setTimeout(() => { stream.close().catch(() => {}) }, timeoutMs)
  try {
    for await (const message of stream) {
      seen.push(message)
      if (done(seen)) break
    }
  } finally {
    clearTimeout(timer)
    await stream.close().catch(() => {})
    await consumer.close(true)
  }
  return seen
}

export async function deleteTopics (brokers: string[], topics: string[]): Promise<void> {
  const admin = new Admin({ clientId: 'ripple-test-admin', bootstrapBrokers: brokers })
  try {
    const existing = new Set(await admin.listTopics())
    const present = topics.filter(t => existing.has(t))
    if (present.length > 0) await admin.deleteTopics({ topics: present })
  } finally {
    await admin.close()
  }
}
