import { CARGA_TOPIC } from '@ripple/contracts'
import { baseConfigSchema, consumerTuningSchema, port, wholeNumber } from '@ripple/kit'
import { z } from 'zod'

export const syncServiceConfigSchema = baseConfigSchema.extend({
  PORT: port(8011),
  /** carga-service's topic: key the id, value {id, valor, requestId?, acceptedAt?} as JSON. */
  TOPIC: z.string().min(1).default(CARGA_TOPIC),
  GROUP_ID: z.string().min(1).default('sync-service'),
  POSTGRES_DATABASE: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case PostgreSQL identifier').default('carga'),
  POSTGRES_POOL_SIZE: wholeNumber(8, { min: 1, max: 200 }),
  /**
   * The publication Debezium's source connector (connectors/carga-postgres-source.json) reads
   * tabela through: made here, by the table's owner, since the connector's role may not.
   */
  PUBLICATION: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case PostgreSQL identifier').default('carga_tabela'),
  /** Records of one partition in flight at once (each id still one after the other), so they share upsert statements. */
  CONCURRENCY_PER_PARTITION: wholeNumber(256, { min: 1, max: 10_000 })
})
  // A write should be visible in PostgreSQL within 250 ms of its acceptance (issue 12's goal): a
  // fetch waits 50 ms at most, or until 16 KiB (some hundred records) came, so under load one
  // fetch carries many records and idle the consumer polls 20 times a second rather than 50.
  .extend(consumerTuningSchema({ fetchMaxWaitMs: 50, fetchMinBytes: 16_384 }).shape)

export type SyncServiceConfig = z.infer<typeof syncServiceConfigSchema>
