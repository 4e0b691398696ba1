import { consumerTuning, createDeadLetterPublisher, createHttpServer, createLogger, createMetrics, createProducer, runConsumer } from '@ripple/kit'
import type { ConsumerRunner, KafkaProducer } from '@ripple/kit'
import client from 'prom-client'
import type { ProcessorConfig } from './config.ts'
import { createKafkaJobDonePublisher } from './adapters/kafka-job-done-publisher.adapter.ts'
import { createTimerClock } from './adapters/timer-clock.adapter.ts'
import { makeFinishJob } from './interactors/finish-job.interactor.ts'
import { createJobHandler } from './transport/job.handler.ts'

export interface ProcessorServiceOptions {
  /** The consumer stopped on a message it could neither process nor dead-letter; main exits so it is restarted. */
  onFatal?: (error: unknown) => void
}

const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.5, 1, 2.5, 5, 10, 30, 60]

/** Wires the service: the consumer of receiver-topic, the producer of processor-topic, HTTP /health and /metrics. */
export function createProcessorService (config: ProcessorConfig, options: ProcessorServiceOptions = {}) {
  const logger = createLogger('processor', config.LOG_LEVEL)
  const metrics = createMetrics('processor')
  const registers = [metrics.registry]
  const finished = new client.Counter({ name: 'ripple_jobs_finished_total', help: 'Jobs whose JobDone Kafka acknowledged', registers })
  const inProgress = new client.Gauge({ name: 'ripple_jobs_in_progress', help: 'Jobs picked up and sleeping, or waiting for their JobDone to be acknowledged', registers })
  const createToFinish = new client.Histogram({ name: 'ripple_job_create_to_finish_seconds', help: 'From a job\'s create_date to its finish_date', buckets: LATENCY_BUCKETS, registers })
  const createToPickup = new client.Histogram({ name: 'ripple_job_create_to_pickup_seconds', help: 'From a job\'s create_date to the processor reading it from Kafka', buckets: LATENCY_BUCKETS, registers })
  let parts: { producer: KafkaProducer, runner: ConsumerRunner, http: ReturnType<typeof createHttpServer> } | undefined

  return {
    logger,
    async start (): Promise<{ port: number }> {
      const producer = createProducer({ brokers: config.KAFKA_BROKERS, clientId: 'processor', lingerMs: config.KAFKA_LINGER_MS, maxBatchMessages: config.KAFKA_BATCH_MESSAGES })
      const finishJob = makeFinishJob({ clock: createTimerClock(), publisher: createKafkaJobDonePublisher(producer, config.TARGET_TOPIC) })
      const handler = createJobHandler({
        finishJob,
        metrics: {
          inProgress,
          finished: result => {
            finished.inc()
            createToPickup.observe(Number(result.pickedUpAfterNs) / 1e9)
            createToFinish.observe(Number(result.finishedAfterNs) / 1e9)
          }
        }
      })
      const runner = await runConsumer({
        brokers: config.KAFKA_BROKERS,
        groupId: config.GROUP_ID,
        topics: [config.SOURCE_TOPIC],
        clientId: 'processor',
        handler,
        logger,
        metrics,
        dlq: createDeadLetterPublisher(producer),
        ...consumerTuning(config),
        concurrencyPerPartition: config.CONCURRENCY_PER_PARTITION,
        // Enough fetched records to keep every partition's sleepers busy.
        maxBuffered: config.CONCURRENCY_PER_PARTITION * 3,
        onFatal: options.onFatal
      })
      const http = createHttpServer({ logger, metrics, health: async () => ({ consumer: runner.isActive() ? 'up' : 'down', topic: config.SOURCE_TOPIC }) })
      await http.listen({ host: config.HOST, port: config.PORT })
      parts = { producer, runner, http }
      const address = http.server.address()
      const port = typeof address === 'object' && address ? address.port : config.PORT
      logger.info({ port, source: config.SOURCE_TOPIC, target: config.TARGET_TOPIC, groupId: config.GROUP_ID }, 'processor started')
      return { port }
    },

    /**
     * The consumer first: sleeping jobs give up (their offsets stay uncommitted, so the next
     * member runs them, already due), those publishing finish; then the producer.
     */
    async stop (): Promise<void> {
      if (!parts) return
      const { producer, runner, http } = parts
      parts = undefined
      await runner.stop()
      await http.close()
      await producer.close()
      logger.info('processor stopped')
    }
  }
}
