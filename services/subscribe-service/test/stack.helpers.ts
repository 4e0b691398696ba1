import { randomUUID } from 'node:crypto'
import { testConfig, unique } from '@ripple/testing'
import type { OutgoingMessage } from '@ripple/kit'
import { subscribeServiceConfigSchema } from '../src/config.ts'
import type { SubscribeServiceConfig } from '../src/config.ts'

// What only this service's tests need; the rest comes from @ripple/testing.
export { deleteTopics, dropPostgresDatabase, eventually, forgedTokens, readTopic, testAccessToken, testAdminToken, unique, userChangeRecord } from '@ripple/testing'

/**
 * Where the tests' webhook receivers listen: a loopback address of its own, the only one the
 * service under test is allowed to reach, so 127.0.0.1 stays refused as everywhere else.
 */
export const RECEIVER_HOST = '127.0.0.2'

/**
 * The service's settings against the running stack, quiet, on a free port, with short retries,
 * webhooks allowed to RECEIVER_HOST; its revocation consumer in a group of its own, never the
 * stack's subscribe-service.revocations (it would take partitions from the stack's service).
 */
export function serviceConfig (overrides: { TOPIC: string, GROUP_ID: string, POSTGRES_DATABASE: string, [variable: string]: string }): SubscribeServiceConfig {
  return testConfig(subscribeServiceConfigSchema, {
    REVOCATION_GROUP_ID: unique('test-subscribe-revocations-'),
    RETRY_MIN_MS: '50',
    RETRY_MAX_MS: '500',
    WEBHOOK_RETRY_MIN_MS: '100',
    WEBHOOK_RETRY_MAX_MS: '1000',
    WEBHOOK_TIMEOUT_MS: '2000',
    WEBHOOK_ALLOWED_HOSTS: RECEIVER_HOST,
    ...overrides
  })
}

export function postgresSettings (config: SubscribeServiceConfig) {
  return { host: config.POSTGRES_HOST, port: config.POSTGRES_PORT, user: config.POSTGRES_USER, password: config.POSTGRES_PASSWORD, database: config.POSTGRES_DATABASE }
}

/** A PostCreated record as the outbox relays publish it: key the author, headers id and eventType, the post as JSON. */
export function postCreatedRecord (topic: string, post: { id: number, authorId: string, title: string }, eventId: string = randomUUID()): OutgoingMessage {
  return {
    topic,
    key: post.authorId,
    value: JSON.stringify({ ...post, content: `About ${post.title}`, createdAt: '2026-03-01T10:00:00.000Z' }),
    headers: { id: eventId, eventType: 'PostCreated' }
  }
}
