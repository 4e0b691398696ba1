import { consumerTuning, defineService, LATENCY_BUCKETS } from '@ripple/kit'
import client from 'prom-client'
import type { ProcessorConfig } from './config.ts'
import { createKafkaJobDonePublisher } from './adapters/kafka-job-done-publisher.adapter.ts'
import { createTimerClock } from './adapters/timer-clock.adapter.ts'
import { makeFinishJob } from './interactors/finish-job.interactor.ts'
import { createJobHandler } from './transport/job.handler.ts'

/**
 * receiver-topic in, processor-topic out. On stop the host stops the consumer first: sleeping
 * jobs give up (their offsets stay uncommitted, so the next member runs them, already due),
 * those publishing finish before the producer closes.
 */
export const createProcessorService = defineService<ProcessorConfig>('processor', async ({ config, metrics, producer, consume }) => {
  const registers = [metrics.registry]
  const finished = new client.Counter({ name: 'ripple_jobs_finished_total', help: 'Jobs whose JobDone Kafka acknowledged', registers })
  const inProgress = new client.Gauge({ name: 'ripple_jobs_in_progress', help: 'Jobs picked up and sleeping, or waiting for their JobDone to be acknowledged', registers })
  const createToFinish = new client.Histogram({ name: 'ripple_job_create_to_finish_seconds', help: 'From a job\'s create_date to its finish_date', buckets: LATENCY_BUCKETS, registers })
  const createToPickup = new client.Histogram({ name: 'ripple_job_create_to_pickup_seconds', help: 'From a job\'s create_date to the processor reading it from Kafka', buckets: LATENCY_BUCKETS, registers })

  const publisher = createKafkaJobDonePublisher(producer({ lingerMs: config.KAFKA_LINGER_MS, maxBatchMessages: config.KAFKA_BATCH_MESSAGES }), config.TARGET_TOPIC)
  const handler = createJobHandler({
    finishJob: makeFinishJob({ clock: createTimerClock(), publisher }),
    metrics: {
      inProgress,
      finished: result => {
        finished.inc()
        createToPickup.observe(Number(result.pickedUpAfterNs) / 1e9)
        createToFinish.observe(Number(result.finishedAfterNs) / 1e9)
      }
    }
  })
  await consume({
    groupId: config.GROUP_ID,
    topics: [config.SOURCE_TOPIC],
    handler,
    ...consumerTuning(config),
    concurrencyPerPartition: config.CONCURRENCY_PER_PARTITION,
    // Enough fetched records to keep every partition's sleepers busy.
    maxBuffered: config.CONCURRENCY_PER_PARTITION * 3
  })
})
