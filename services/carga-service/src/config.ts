import { CARGA_TOPIC } from '@ripple/contracts'
import { baseConfigSchema, consumerTuningSchema, port, wholeNumber } from '@ripple/kit'
import { z } from 'zod'

export const cargaConfigSchema = baseConfigSchema.extend({
  PORT: port(8010),
  TOPIC: z.string().min(1).default(CARGA_TOPIC),
  GROUP_ID: z.string().min(1).default('carga-service'),
  CASSANDRA_HOST: z.string().default('127.0.0.1'),
  CASSANDRA_PORT: port(9042),
  CASSANDRA_KEYSPACE: z.string().regex(/^[a-z][a-z0-9_]{0,47}$/, 'a lower-case keyspace name').default('my_keyspace'),
  /** Its own role (SELECT and MODIFY on its keyspace only); unset where Cassandra asks for no login. */
  CASSANDRA_USER: z.string().min(1).optional(),
  CASSANDRA_PASSWORD: z.string().min(1).optional(),
  /** SimpleSnitch's data centre: the driver only sends to nodes of the one it is told is local. */
  CASSANDRA_DATACENTER: z.string().min(1).default('datacenter1'),
  /** Records of one partition written to Cassandra at once (one id's still in order; their timestamps would order them anyway). */
  CONCURRENCY_PER_PARTITION: wholeNumber(16, { min: 1, max: 256 }),
  /** How long a produce request waits for more writes to share it (Java's linger.ms). */
  KAFKA_LINGER_MS: wholeNumber(2, { min: 0, max: 1000 })
}).extend(consumerTuningSchema({ fetchMaxWaitMs: 50, fetchMinBytes: 1 }).shape)

export type CargaConfig = z.infer<typeof cargaConfigSchema>
