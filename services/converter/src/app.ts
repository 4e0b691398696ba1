import { consumerTuning, defineService } from '@ripple/kit'
import client from 'prom-client'
import type { ConverterConfig } from './config.ts'
import { createKafkaJobRecordPublisher } from './adapters/kafka-job-record-publisher.adapter.ts'
import { makeConvertJob } from './interactors/convert-job.interactor.ts'
import { createJobDoneHandler } from './transport/job-done.handler.ts'

/** processor-topic in, postgres-topic and clickhouse-topic out. */
export const createConverterService = defineService<ConverterConfig>('converter', async ({ config, metrics, producer, consume }) => {
  const converted = new client.Counter({ name: 'ripple_jobs_converted_total', help: 'JobDones whose PostgreSQL and ClickHouse records Kafka acknowledged', registers: [metrics.registry] })
  const publisher = createKafkaJobRecordPublisher(producer({ lingerMs: config.KAFKA_LINGER_MS, maxBatchMessages: config.KAFKA_BATCH_MESSAGES }), { postgres: config.POSTGRES_TOPIC, clickhouse: config.CLICKHOUSE_TOPIC })
  await consume({
    groupId: config.GROUP_ID,
    topics: [config.SOURCE_TOPIC],
    handler: createJobDoneHandler({ convertJob: makeConvertJob({ publisher }), onConverted: () => converted.inc() }),
    ...consumerTuning(config),
    concurrencyPerPartition: config.CONCURRENCY_PER_PARTITION,
    maxBuffered: config.CONCURRENCY_PER_PARTITION * 3
  })
})
