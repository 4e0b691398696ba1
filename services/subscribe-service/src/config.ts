import { POST_EVENTS_TOPIC, USERS_TOPIC } from '@ripple/contracts'
import { accessTokenVerifierConfigSchema, baseConfigSchema, consumerTuningSchema, port, wholeNumber } from '@ripple/kit'
import { z } from 'zod'
import { parseAllowedHosts } from './adapters/webhook-address.adapter.ts'

export const subscribeServiceConfigSchema = baseConfigSchema.extend({
  // JWT_PUBLIC_KEY (user-service's public key) checks the callers' access tokens; this service cannot sign one.
  ...accessTokenVerifierConfigSchema.shape,
  PORT: port(8082),
  /** The EventRouter's topic for aggregatetype `post` (and the polling relay's). */
  TOPIC: z.string().min(1).default(POST_EVENTS_TOPIC),
  GROUP_ID: z.string().min(1).default('subscribe-service'),
  /** userdata.users' change events: password changes and deletions revoke older tokens here too. */
  REVOCATION_TOPIC: z.string().min(1).default(USERS_TOPIC),
  REVOCATION_GROUP_ID: z.string().min(1).default('subscribe-service.revocations'),
  POSTGRES_DATABASE: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case PostgreSQL identifier').default('subscribe_service_db'),
  POSTGRES_POOL_SIZE: wholeNumber(10, { min: 1 }),
  // Commits every 200 ms instead of after each event, a crashed member's partitions move on after
  // 10 s, RETRY_MIN_MS/RETRY_MAX_MS back off an event whose notifications could not be written
  // (retried for as long as that lasts). A fetch returns as soon as anything arrived (1 byte): a
  // wait for 64 KiB or 10 ms saved a little CPU under load but added its wait to every commit →
  // notification latency; an idle fetch waits 500 ms.
  ...consumerTuningSchema({ fetchMaxWaitMs: 500, fetchMinBytes: 1 }).shape,
  /**
   * Events of one partition handled at once: one author's events still one after the other, and
   * those handled together are recorded by one statement (pg-notification-repository).
   */
  CONCURRENCY_PER_PARTITION: wholeNumber(256, { min: 1, max: 5000 }),
  WEBHOOK_TIMEOUT_MS: wholeNumber(5000, { min: 1 }),
  /**
   * Exceptions to "webhooks go only to public addresses", for a local receiver in tests:
   * comma-separated host, host:port, [ipv6]:port or CIDR entries. Empty (the default): none.
   */
  WEBHOOK_ALLOWED_HOSTS: z.string().default('').transform((text, ctx) => {
    try {
      return parseAllowedHosts(text)
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message })
      return z.NEVER
    }
  }),
  /** The most of a receiver's answer that is read. */
  WEBHOOK_MAX_RESPONSE_BYTES: wholeNumber(4096, { min: 0 }),
  WEBHOOK_CONCURRENCY: wholeNumber(16, { min: 1 }),
  /** Attempts per notification in all; then its delivery is 'failed'. */
  WEBHOOK_MAX_ATTEMPTS: wholeNumber(10, { min: 1 }),
  WEBHOOK_RETRY_MIN_MS: wholeNumber(1000, { min: 1 }),
  WEBHOOK_RETRY_MAX_MS: wholeNumber(300_000, { min: 1 }),
  /** How often the worker looks for due deliveries when nothing woke it. */
  WEBHOOK_POLL_INTERVAL_MS: wholeNumber(1000, { min: 10 }),
  /** A claimed delivery is retried by another worker after this long without a recorded outcome. */
  WEBHOOK_LEASE_MS: wholeNumber(60_000, { min: 1 })
}).refine(c => c.WEBHOOK_LEASE_MS > c.WEBHOOK_TIMEOUT_MS, { path: ['WEBHOOK_LEASE_MS'], message: 'must be longer than WEBHOOK_TIMEOUT_MS, or a slow delivery is claimed twice' })

export type SubscribeServiceConfig = z.infer<typeof subscribeServiceConfigSchema>
