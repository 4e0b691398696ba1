import { consumerTuning, createDeadLetterPublisher, createHttpServer, createLogger, createMetrics, createProducer, runConsumer } from '@ripple/kit'
import type { ConsumerRunner, KafkaProducer } from '@ripple/kit'
import client from 'prom-client'
import type { ConverterConfig } from './config.ts'
import { createKafkaJobRecordPublisher } from './adapters/kafka-job-record-publisher.adapter.ts'
import { makeConvertJob } from './interactors/convert-job.interactor.ts'
import { createJobDoneHandler } from './transport/job-done.handler.ts'

export interface ConverterServiceOptions {
  /** The consumer stopped on a message it could neither process nor dead-letter; main exits so it is restarted. */
  onFatal?: (error: unknown) => void
}

/** Wires the service: the consumer of processor-topic, the producer of postgres-topic and clickhouse-topic, HTTP /health and /metrics. */
export function createConverterService (config: ConverterConfig, options: ConverterServiceOptions = {}) {
  const logger = createLogger('converter', config.LOG_LEVEL)
  const metrics = createMetrics('converter')
  const converted = new client.Counter({ name: 'ripple_jobs_converted_total', help: 'JobDones whose PostgreSQL and ClickHouse records Kafka acknowledged', registers: [metrics.registry] })
  let parts: { producer: KafkaProducer, runner: ConsumerRunner, http: ReturnType<typeof createHttpServer> } | undefined

  return {
    logger,
    async start (): Promise<{ port: number }> {
      const producer = createProducer({ brokers: config.KAFKA_BROKERS, clientId: 'converter', lingerMs: config.KAFKA_LINGER_MS, maxBatchMessages: config.KAFKA_BATCH_MESSAGES })
      const publisher = createKafkaJobRecordPublisher(producer, { postgres: config.POSTGRES_TOPIC, clickhouse: config.CLICKHOUSE_TOPIC })
      const runner = await runConsumer({
        brokers: config.KAFKA_BROKERS,
        groupId: config.GROUP_ID,
        topics: [config.SOURCE_TOPIC],
        clientId: 'converter',
        handler: createJobDoneHandler({ convertJob: makeConvertJob({ publisher }), onConverted: () => converted.inc() }),
        logger,
        metrics,
        dlq: createDeadLetterPublisher(producer),
        ...consumerTuning(config),
        concurrencyPerPartition: config.CONCURRENCY_PER_PARTITION,
        maxBuffered: config.CONCURRENCY_PER_PARTITION * 3,
        onFatal: options.onFatal
      })
      const http = createHttpServer({ logger, metrics, health: async () => ({ consumer: runner.isActive() ? 'up' : 'down', topic: config.SOURCE_TOPIC }) })
      await http.listen({ host: config.HOST, port: config.PORT })
      parts = { producer, runner, http }
      const address = http.server.address()
      const port = typeof address === 'object' && address ? address.port : config.PORT
      logger.info({ port, source: config.SOURCE_TOPIC, groupId: config.GROUP_ID }, 'converter started')
      return { port }
    },

    /** The consumer first (what it is publishing still needs the producer), then the rest. */
    async stop (): Promise<void> {
      if (!parts) return
      const { producer, runner, http } = parts
      parts = undefined
      await runner.stop()
      await http.close()
      await producer.close()
      logger.info('converter stopped')
    }
  }
}
