import type { FastifyInstance } from 'fastify'
import type { ConnectionOptions, Pool as MariaDbPool } from 'mysql2/promise'
import type { Pool } from 'pg'
import type { z } from 'zod'
import type { BaseConfig } from '../config/config.ts'
import { kafkaConnection, loadConfig } from '../config/config.ts'
import { createHttpServer } from '../http/http-server.ts'
import type { HealthReport } from '../http/http-server.ts'
import type { Dependency } from '../http/unavailable.ts'
import { runConsumer } from '../kafka/consumer.runner.ts'
import type { ConsumerRunner, ConsumerRunnerOptions } from '../kafka/consumer.runner.ts'
import { createProducer } from '../kafka/kafka.producer.ts'
import type { KafkaProducer, ProducerOptions } from '../kafka/kafka.producer.ts'
import { createLogger } from '../logging/logger.ts'
import type { Logger } from '../logging/logger.ts'
import { createMetrics } from '../metrics/metrics.ts'
import type { Metrics } from '../metrics/metrics.ts'
import { createMariaDbPool } from '../mariadb/mariadb.database.ts'
import type { MariaDbSettings } from '../mariadb/mariadb.database.ts'
import { openPostgresDatabase } from '../postgres/postgres.database.ts'
import { createDeadLetterPublisher } from '../retry/dead-letter.publisher.ts'
import { serviceLifecycle } from './service.lifecycle.ts'

/** What every service's config has: the kit's base settings and the port of its HTTP server. */
export type HostedConfig = BaseConfig & { PORT: number }

export type ConsumeOptions = Omit<ConsumerRunnerOptions, 'brokers' | 'sasl' | 'logger' | 'metrics' | 'dlq' | 'onFatal' | 'clientId'> & { clientId?: string }

/** Something that runs beside the consumers (a worker, a relay) and finishes its work on stop. */
export interface Worker { stop (): Promise<void> }

/** What a service's setup gets from the host: its own code only wires ports to adapters and registers routes and handlers. */
export interface ServiceContext<C extends HostedConfig> {
  readonly name: string
  readonly config: C
  readonly logger: Logger
  readonly metrics: Metrics
  /** Fastify with /health, /metrics and JSON errors; the service registers its routes here. */
  readonly http: FastifyInstance
  /** The service's one producer (acks=all, idempotent), also the dead-letter publisher's; closed after HTTP. */
  producer (options?: Omit<ProducerOptions, 'brokers' | 'sasl' | 'clientId'>): KafkaProducer
  /** A consumer group member with the kit's retry and dead-letter topic; stopped first, its state part of /health. */
  consume (options: ConsumeOptions): Promise<ConsumerRunner>
  /** The service's own PostgreSQL database (created if missing) from the POSTGRES_* settings; /health probes it, it closes last. */
  postgres (options: { database: string, max?: number }): Promise<Pool>
  /**
   * The service's own MariaDB database from the MARIADB_* settings: created if missing, `migrate`
   * run on it, then a pool that /health probes and that closes last. `settings` serve connections
   * of the service's own (a lock holder).
   */
  mariadb (options: { database: string, connectionLimit?: number, options?: ConnectionOptions, migrate: (settings: MariaDbSettings) => Promise<void> }): Promise<{ pool: MariaDbPool, settings: MariaDbSettings }>
  /** A dependency /health checks: the check throws while it is down, and the service answers 503 naming it. */
  probe (name: string, check: () => Promise<unknown>): void
  /** Stopped after the consumers and before HTTP. */
  worker (worker: Worker): void
  /** Closes a pool or client of the service's own, last, after the producer. */
  onClose (close: () => Promise<unknown>): void
}

/** The one shape of every Ripple service. */
export interface RippleService {
  /** Runs the setup, then listens (PORT=0 takes a free port); answers the service's base URL. */
  start (): Promise<{ url: string }>
  /** Consumers, then workers, then HTTP, then the producer, then pools: each still has what it needs while it finishes. */
  stop (): Promise<void>
  readonly logger: Logger
}

export interface ServiceOptions {
  /** A consumer stopped for good (it could neither process nor dead-letter a message); main exits so the supervisor restarts it. */
  onFatal?: (error: unknown) => void
}

export type ServiceFactory<C extends HostedConfig> = (config: C, options?: ServiceOptions) => RippleService

const failure = (error: unknown): string => error instanceof Error ? error.message : String(error)

/**
 * Declares a service: `setup` wires what is the service's own; the host owns the logger,
 * metrics, producer, dead-letter publisher, consumers, /health from the registered probes and
 * consumers, listening, and the stop order.
 */
export function defineService<C extends HostedConfig> (name: string, setup: (context: ServiceContext<C>) => Promise<void> | void): ServiceFactory<C> {
  return (config, options = {}) => {
    const logger = createLogger(name, config.LOG_LEVEL)
    const metrics = createMetrics(name)
    const runners: { runner: ConsumerRunner, topics: string[], groupId: string }[] = []
    const workers: Worker[] = []
    const closers: (() => Promise<unknown>)[] = []
    const probes = new Map<string, () => Promise<unknown>>()
    let producer: KafkaProducer | undefined
    let started = false
    let stopped: Promise<void> | undefined

    async function health (): Promise<HealthReport> {
      const checks: Record<string, unknown> = {}
      const reasons: string[] = []
      await Promise.all([...probes].map(async ([probeName, check]) => {
        try {
          await check()
          checks[probeName] = 'ok'
        } catch (error) {
          checks[probeName] = 'down'
          reasons.push(`${probeName} does not answer: ${failure(error)}`)
        }
      }))
      const writeFailure = producer?.failure()
      if (writeFailure !== undefined) {
        checks.kafka = 'down'
        reasons.push(`Kafka did not take the last write: ${writeFailure}`)
      }
      for (const { runner, topics, groupId } of runners) {
        const state = runner.health()
        checks[`consumer:${groupId}`] = { topics, ...state }
        if (!state.healthy) reasons.push(`consumer ${groupId} (${topics.join(', ')}): ${state.reason ?? 'unhealthy'}`)
      }
      return { healthy: reasons.length === 0, reasons, checks }
    }

    // Read once at start: a login with half its settings stops the service naming the missing one.
    const kafka = kafkaConnection(config)
    const dependencies: Dependency[] = [{ name: 'Kafka', kind: 'kafka', ports: config.KAFKA_BROKERS.map(b => Number(b.split(':').at(-1))) }]
    const http = createHttpServer({ logger, metrics, health, dependencies })
    const producerOf = (tuning: Omit<ProducerOptions, 'brokers' | 'sasl' | 'clientId'> = {}): KafkaProducer => {
      producer ??= createProducer({ ...kafka, clientId: name, ...tuning })
      return producer
    }
    const context: ServiceContext<C> = {
      name,
      config,
      logger,
      metrics,
      http,
      producer: producerOf,
      async consume (consumeOptions) {
        const runner = await runConsumer({
          clientId: name,
          stallAfterMs: config.KAFKA_STALL_AFTER_MS,
          ...consumeOptions,
          ...kafka,
          logger,
          metrics,
          dlq: createDeadLetterPublisher(producerOf(), consumeOptions.groupId),
          onFatal: options.onFatal
        })
        runners.push({ runner, topics: consumeOptions.topics, groupId: consumeOptions.groupId })
        return runner
      },
      async postgres ({ database, max }) {
        const pool = await openPostgresDatabase({ host: config.POSTGRES_HOST, port: config.POSTGRES_PORT, user: config.POSTGRES_USER, password: config.POSTGRES_PASSWORD, database, max }, logger)
        closers.push(() => pool.end())
        probes.set('postgres', () => pool.query('SELECT 1'))
        dependencies.push({ name: `the ${database} database`, kind: 'postgres', ports: [config.POSTGRES_PORT] })
        return pool
      },
      async mariadb ({ database, connectionLimit, options: connection, migrate }) {
        const settings: MariaDbSettings = { host: config.MARIADB_HOST, port: config.MARIADB_PORT, user: config.MARIADB_USER, password: config.MARIADB_PASSWORD, database, connectionLimit, options: connection }
        await migrate(settings)
        const pool = createMariaDbPool(settings)
        closers.push(() => pool.end())
        probes.set('mariadb', () => pool.query('SELECT 1'))
        dependencies.push({ name: `the ${database} database`, kind: 'mariadb', ports: [config.MARIADB_PORT] })
        return { pool, settings }
      },
      probe: (probeName, check) => { probes.set(probeName, check) },
      worker: worker => { workers.push(worker) },
      onClose: close => { closers.push(close) }
    }

    async function stop (): Promise<void> {
      stopped ??= (async () => {
        // Each stage finishes its work in flight while what it needs is still open.
        await Promise.all(runners.map(r => r.runner.stop()))
        await Promise.all(workers.map(w => w.stop()))
        await http.close()
        await producer?.close()
        await Promise.all(closers.map(close => close()))
        if (started) logger.info(`${name} stopped`)
      })()
      return stopped
    }

    return {
      logger,
      async start () {
        await setup(context)
        const address = await http.listen({ host: config.HOST, port: config.PORT })
        started = true
        return { url: address }
      },
      stop
    }
  }
}

/** The whole of a service's main.ts: config from the environment once, start, stop on SIGTERM, exit non-zero on a fatal consumer error. */
export async function runService<S extends z.ZodType<HostedConfig>> (name: string, schema: S, create: ServiceFactory<z.infer<S>>): Promise<void> {
  const lifecycle = serviceLifecycle(name)
  const service = create(loadConfig(schema), { onFatal: lifecycle.fatal })
  await lifecycle.run(service, service.logger)
}
