import { z } from 'zod'
import { RippleError } from '../errors/ripple.error.ts'
import type { KafkaSasl } from '../kafka/kafka.types.ts'

/**
 * Reads a service's settings from the environment once, at start-up, through a zod schema:
 * a wrong value stops the service naming the variable, and nothing else reads process.env.
 */
export function loadConfig<S extends z.ZodType> (schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const parsed = schema.safeParse(env)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`).join('; ')
  throw new RippleError('INVALID_CONFIG', `Invalid configuration (${problems}); fix the environment variables and start again.`)
}

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback)

/** A whole-number setting (a count, a size, milliseconds) with its default and bounds. */
export const wholeNumber = (fallback: number, bounds: { min?: number, max?: number } = {}) =>
  z.coerce.number().int().min(bounds.min ?? 0).max(bounds.max ?? Number.MAX_SAFE_INTEGER).default(fallback)

/**
 * Settings every service shares, defaulting to the local stack's ports (`./ripple up` passes
 * the actual ones when they were moved); a service extends this with its own.
 */
export const baseConfigSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KAFKA_BROKERS: z.string().default('127.0.0.1:9092').transform(s => s.split(',').map(b => b.trim()).filter(Boolean)),
  /**
   * The service's Kafka principal (SCRAM-SHA-512), given by `./ripple up` like its database
   * password: the brokers refuse a client without a login and allow each principal only its ACLs.
   * Both or neither (a broker without authentication); kafkaSasl() says which is missing.
   */
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /**
   * A consumer with a partition whose fetched work has gone this long without a commit answers
   * /health 503 naming it (a message retried through an outage, a member out of its group).
   */
  KAFKA_STALL_AFTER_MS: z.coerce.number().int().min(1000).default(60_000),
  MARIADB_HOST: z.string().default('127.0.0.1'),
  MARIADB_PORT: port(3307),
  // Each service has its own account, given by `./ripple up` (tests: the admin's); no shared default password.
  MARIADB_USER: z.string().default('ripple'),
  MARIADB_PASSWORD: z.string().default(''),
  POSTGRES_HOST: z.string().default('127.0.0.1'),
  POSTGRES_PORT: port(5433),
  POSTGRES_USER: z.string().default('postgres'),
  POSTGRES_PASSWORD: z.string().default(''),
  SMTP_HOST: z.string().default('127.0.0.1'),
  SMTP_PORT: port(1025)
})
export type BaseConfig = z.infer<typeof baseConfigSchema>

/** The one way a service's Kafka clients get their login: from KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD. */
export function kafkaSasl (config: Pick<BaseConfig, 'KAFKA_SASL_USERNAME' | 'KAFKA_SASL_PASSWORD'>): KafkaSasl | undefined {
  const { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = config
  if (username === undefined && password === undefined) return undefined
  if (username === undefined || password === undefined) {
    throw new RippleError('INVALID_CONFIG', `Invalid configuration (${username === undefined ? 'KAFKA_SASL_USERNAME' : 'KAFKA_SASL_PASSWORD'}: required when ${username === undefined ? 'KAFKA_SASL_PASSWORD' : 'KAFKA_SASL_USERNAME'} is set); fix the environment variables and start again.`)
  }
  return { mechanism: 'SCRAM-SHA-512', username, password }
}

/** The brokers and login every Kafka client of a service is built with: spread into createProducer / runConsumer options. */
export function kafkaConnection (config: Pick<BaseConfig, 'KAFKA_BROKERS' | 'KAFKA_SASL_USERNAME' | 'KAFKA_SASL_PASSWORD'>): { brokers: string[], sasl?: KafkaSasl } {
  const sasl = kafkaSasl(config)
  return { brokers: config.KAFKA_BROKERS, ...(sasl ? { sasl } : {}) }
}

/**
 * The consumer tuning the consuming services share. The fetch defaults differ: how long a fetch
 * may wait, and for how many bytes, depends on who waits on the service (each config says why).
 */
export function consumerTuningSchema (defaults: { fetchMaxWaitMs: number, fetchMinBytes: number }) {
  return z.object({
    /** Offsets are committed at most this often: fewer writes to __consumer_offsets, a little more redelivered after a crash. */
    KAFKA_COMMIT_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(200),
    /** A fetch waits for this many bytes or KAFKA_FETCH_MAX_WAIT_MS, so fetches carry many records under load. */
    KAFKA_FETCH_MIN_BYTES: z.coerce.number().int().min(1).max(10_485_760).default(defaults.fetchMinBytes),
    KAFKA_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(1).max(10_000).default(defaults.fetchMaxWaitMs),
    /** How soon the group hands a crashed member's partitions to another (the broker allows 6-300 s by default). */
    KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300_000).default(10_000),
    RETRY_MIN_MS: z.coerce.number().int().min(0).default(500),
    RETRY_MAX_MS: z.coerce.number().int().min(0).default(30_000)
  })
}
export type ConsumerTuning = z.infer<ReturnType<typeof consumerTuningSchema>>

/** The runConsumer options a ConsumerTuning stands for. */
export function consumerTuning (c: ConsumerTuning) {
  return {
    retry: { minTimeout: c.RETRY_MIN_MS, maxTimeout: c.RETRY_MAX_MS },
    sessionTimeoutMs: c.KAFKA_SESSION_TIMEOUT_MS,
    commitIntervalMs: c.KAFKA_COMMIT_INTERVAL_MS,
    fetchMinBytes: c.KAFKA_FETCH_MIN_BYTES,
    fetchMaxWaitMs: c.KAFKA_FETCH_MAX_WAIT_MS
  }
}
