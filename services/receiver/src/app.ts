import { defineService } from '@ripple/kit'
import client from 'prom-client'
import type { ReceiverConfig } from './config.ts'
import { createKafkaJobPublisher } from './adapters/kafka-job-publisher.adapter.ts'
import { makeCreateJob } from './interactors/create-job.interactor.ts'
import { registerJobRoutes } from './transport/job.routes.ts'

/** POST /create/job, answered once Kafka acknowledged the job on receiver-topic. */
export const createReceiverService = defineService<ReceiverConfig>('receiver', ({ config, metrics, http, producer }) => {
  const jobsCreated = new client.Counter({ name: 'ripple_jobs_created_total', help: 'Jobs accepted and acknowledged by Kafka', registers: [metrics.registry] })
  const publisher = createKafkaJobPublisher(producer({ lingerMs: config.KAFKA_LINGER_MS, maxBatchMessages: config.KAFKA_BATCH_MESSAGES }), config.TOPIC)
  registerJobRoutes(http, { createJob: makeCreateJob({ publisher }), metrics: { jobsCreated } })
})
