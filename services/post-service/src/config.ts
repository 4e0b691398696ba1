import { OUTBOX_TOPIC_PREFIX, USERS_TOPIC } from '@ripple/contracts'
import { accessTokenVerifierConfigSchema, baseConfigSchema, consumerTuningSchema, port, wholeNumber } from '@ripple/kit'
import { z } from 'zod'

export const postServiceConfigSchema = baseConfigSchema.extend({
  PORT: port(8081),
  // JWT_PUBLIC_KEY (user-service's public key) checks the authors' access tokens; this service cannot sign one.
  ...accessTokenVerifierConfigSchema.shape,
  /** userdata.users' change events: password changes and deletions revoke older tokens here too. */
  REVOCATION_TOPIC: z.string().min(1).default(USERS_TOPIC),
  REVOCATION_GROUP_ID: z.string().min(1).default('post-service.revocations'),
  // The revocation consumer's: a fetch returns as soon as a change arrived, so a revoked token is refused within about a second.
  ...consumerTuningSchema({ fetchMaxWaitMs: 500, fetchMinBytes: 1 }).shape,
  // Only plain names: the migration has to splice it into CREATE DATABASE, where parameters cannot go.
  MARIADB_DATABASE: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'letters, digits and _ only').default('post_service_db'),
  MARIADB_POOL_SIZE: wholeNumber(20, { min: 1, max: 200 }),
  /**
   * Who publishes the outbox: `cdc`, Debezium's EventRouter reading the binlog
   * (connectors/outbox-connector.json), or `polling`, this service's own relay. Only one of them
   * may serve a database: the connector captures post_service_db, so a polling instance needs another.
   */
  OUTBOX_RELAY: z.enum(['cdc', 'polling']).default('cdc'),
  /** polling: topics are `<prefix><aggregatetype>`, as the connector's route.topic.replacement. */
  OUTBOX_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9._-]*$/, 'a Kafka topic name prefix').default(OUTBOX_TOPIC_PREFIX),
  /** polling: the wait between polls of an idle outbox; at least a second, so idle costs at most a query a second. */
  OUTBOX_POLL_INTERVAL_MS: wholeNumber(1000, { min: 1000 }),
  OUTBOX_BATCH_SIZE: wholeNumber(500, { min: 1, max: 5000 }),
  OUTBOX_MAX_BACKOFF_MS: wholeNumber(10_000, { min: 1000 }),
  /** cdc: how long published events stay in the outbox (a re-created connector's snapshot republishes them). */
  OUTBOX_RETENTION_MINUTES: z.coerce.number().min(0).default(1440),
  OUTBOX_CLEANUP_INTERVAL_MS: wholeNumber(60_000, { min: 1 })
})

export type PostServiceConfig = z.infer<typeof postServiceConfigSchema>
