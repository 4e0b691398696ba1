import { createHttpServer, createLogger, createMetrics, createProducer } from '@ripple/kit'
import type { FastifyInstance } from 'fastify'
import client from 'prom-client'
import type { ReceiverConfig } from './config.ts'
import { createKafkaJobPublisher } from './adapters/kafka-job-publisher.adapter.ts'
import { makeCreateJob } from './interactors/create-job.interactor.ts'
import { registerJobRoutes } from './transport/job.routes.ts'

export interface ReceiverService {
  /** Listens; answers the base URL (PORT=0 picks a free port). */
  start (): Promise<string>
  stop (): Promise<void>
  app: FastifyInstance
}

/** The composition root: the Kafka publisher behind POST /create/job. */
export function createReceiverService (config: ReceiverConfig): ReceiverService {
  const logger = createLogger('receiver', config.LOG_LEVEL)
  const metrics = createMetrics('receiver')
  const jobsCreated = new client.Counter({ name: 'ripple_jobs_created_total', help: 'Jobs accepted and acknowledged by Kafka', registers: [metrics.registry] })
  const producer = createProducer({
    brokers: config.KAFKA_BROKERS,
    clientId: 'receiver',
    lingerMs: config.KAFKA_LINGER_MS,
    maxBatchMessages: config.KAFKA_BATCH_MESSAGES
  })
  const app = createHttpServer({ logger, metrics, health: async () => ({ topic: config.TOPIC }) })
  registerJobRoutes(app, { createJob: makeCreateJob({ publisher: createKafkaJobPublisher(producer, config.TOPIC) }), metrics: { jobsCreated } })

  return {
    app,
    start: () => app.listen({ host: config.HOST, port: config.PORT }),
    async stop () {
      // Requests in flight finish (their jobs acknowledged) before the producer closes.
      await app.close()
      await producer.close()
    }
  }
}
