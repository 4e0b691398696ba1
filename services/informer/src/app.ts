import { consumerTuning, createDeadLetterPublisher, createHttpServer, createLogger, createMetrics, createNanoClock, createProducer, HttpError, openPostgresDatabase, parseNanoTimestamp, runConsumer } from '@ripple/kit'
import type { ConsumerRunner, KafkaProducer } from '@ripple/kit'
import type { Pool } from 'pg'
import client from 'prom-client'
import type { InformerConfig } from './config.ts'
import { createPgJobViewRepository, ensureJobViewTable } from './adapters/pg-job-view-repository.adapter.ts'
import { makeGetJobInfo } from './interactors/get-job-info.interactor.ts'
import { makeRecordJobEvent } from './interactors/record-job-event.interactor.ts'
import { registerInfoRoutes } from './transport/info.routes.ts'
import { createJobEventHandler } from './transport/job-event.handler.ts'

export interface InformerServiceOptions {
  /** The consumer stopped on a message it could neither process nor dead-letter; main exits so it is restarted. */
  onFatal?: (error: unknown) => void
}

const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.5, 1, 2.5, 5, 10, 30, 60]

/** Wires the service: the view in PostgreSQL, the consumer that keeps it, GET /info/:id, /health and /metrics. */
export function createInformerService (config: InformerConfig, options: InformerServiceOptions = {}) {
  const logger = createLogger('informer', config.LOG_LEVEL)
  const metrics = createMetrics('informer')
  const registers = [metrics.registry]
  const viewEvents = new client.Counter({ name: 'ripple_job_view_events_total', help: 'Job events folded into the informer\'s view', labelNames: ['event'], registers })
  const lookups = new client.Counter({ name: 'ripple_job_lookups_total', help: 'GET /info answers, by the status they reported', labelNames: ['status'], registers })
  const createToVisible = new client.Histogram({ name: 'ripple_job_create_to_visible_seconds', help: 'From a job\'s create_date until informer shows it finished', buckets: LATENCY_BUCKETS, registers })
  const now = createNanoClock()
  let parts: { pool: Pool, producer: KafkaProducer, runner: ConsumerRunner, http: ReturnType<typeof createHttpServer> } | undefined

  return {
    logger,
    async start (): Promise<{ port: number }> {
      const pool = await openPostgresDatabase({ host: config.POSTGRES_HOST, port: config.POSTGRES_PORT, user: config.POSTGRES_USER, password: config.POSTGRES_PASSWORD, database: config.POSTGRES_DATABASE, max: config.POSTGRES_POOL_SIZE }, logger)
      await ensureJobViewTable(pool)
      const views = createPgJobViewRepository(pool, { maxInFlight: config.VIEW_WRITERS })
      const producer = createProducer({ brokers: config.KAFKA_BROKERS, clientId: 'informer' })
      const topics = { created: config.CREATED_TOPIC, finished: config.FINISHED_TOPIC }
      const runner = await runConsumer({
        brokers: config.KAFKA_BROKERS,
        groupId: config.GROUP_ID,
        topics: [topics.created, topics.finished],
        clientId: 'informer',
        handler: createJobEventHandler({
          recordJobEvent: makeRecordJobEvent({ views }),
          topics,
          metrics: {
            applied: event => {
              viewEvents.inc({ event: event.kind })
              if (event.kind === 'finish') createToVisible.observe(Number(now() - parseNanoTimestamp(event.createDate)!) / 1e9)
            }
          }
        }),
        logger,
        metrics,
        dlq: createDeadLetterPublisher(producer),
        ...consumerTuning(config),
        concurrencyPerPartition: config.CONCURRENCY_PER_PARTITION,
        maxBuffered: config.CONCURRENCY_PER_PARTITION * 6,
        onFatal: options.onFatal
      })
      const http = createHttpServer({
        logger,
        metrics,
        health: async () => {
          try {
            await pool.query('SELECT 1')
          } catch (e) {
            throw new HttpError(503, 'POSTGRES_DOWN', `PostgreSQL does not answer: ${(e as Error).message}`)
          }
          return { consumer: runner.isActive() ? 'up' : 'down', postgres: 'ok' }
        }
      })
      registerInfoRoutes(http, { getJobInfo: makeGetJobInfo({ views }), metrics: { looked: status => lookups.inc({ status }) } })
      await http.listen({ host: config.HOST, port: config.PORT })
      parts = { pool, producer, runner, http }
      const address = http.server.address()
      const port = typeof address === 'object' && address ? address.port : config.PORT
      logger.info({ port, topics, groupId: config.GROUP_ID, database: config.POSTGRES_DATABASE }, 'informer started')
      return { port }
    },

    /** The consumer first (the event in flight needs the pool), then HTTP, then the rest. */
    async stop (): Promise<void> {
      if (!parts) return
      const { pool, producer, runner, http } = parts
      parts = undefined
      await runner.stop()
      await http.close()
      await Promise.all([producer.close(), pool.end()])
      logger.info('informer stopped')
    }
  }
}
