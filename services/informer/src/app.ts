import { consumerTuning, createNanoClock, defineService, LATENCY_BUCKETS, parseNanoTimestamp } from '@ripple/kit'
import client from 'prom-client'
import type { InformerConfig } from './config.ts'
import { createPgJobViewRepository, ensureJobViewTable } from './adapters/pg-job-view-repository.adapter.ts'
import { makeGetJobInfo } from './interactors/get-job-info.interactor.ts'
import { makeRecordJobEvent } from './interactors/record-job-event.interactor.ts'
import { registerInfoRoutes } from './transport/info.routes.ts'
import { createJobEventHandler } from './transport/job-event.handler.ts'

/** Its own view in PostgreSQL, folded from receiver-topic and processor-topic, behind GET /info/:id. */
export const createInformerService = defineService<InformerConfig>('informer', async ({ config, metrics, http, postgres, consume }) => {
  const registers = [metrics.registry]
  const viewEvents = new client.Counter({ name: 'ripple_job_view_events_total', help: 'Job events folded into the informer\'s view', labelNames: ['event'], registers })
  const lookups = new client.Counter({ name: 'ripple_job_lookups_total', help: 'GET /info answers, by the status they reported', labelNames: ['status'], registers })
  const createToVisible = new client.Histogram({ name: 'ripple_job_create_to_visible_seconds', help: 'From a job\'s create_date until informer shows it finished', buckets: LATENCY_BUCKETS, registers })
  const now = createNanoClock()

  const pool = await postgres({ database: config.POSTGRES_DATABASE, max: config.POSTGRES_POOL_SIZE })
  await ensureJobViewTable(pool)
  const views = createPgJobViewRepository(pool, { maxInFlight: config.VIEW_WRITERS })
  const topics = { created: config.CREATED_TOPIC, finished: config.FINISHED_TOPIC }
  await consume({
    groupId: config.GROUP_ID,
    topics: [topics.created, topics.finished],
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
    ...consumerTuning(config),
    concurrencyPerPartition: config.CONCURRENCY_PER_PARTITION,
    // Two topics' partitions share the buffer.
    maxBuffered: config.CONCURRENCY_PER_PARTITION * 6
  })
  registerInfoRoutes(http, { getJobInfo: makeGetJobInfo({ views }), metrics: { looked: status => lookups.inc({ status }) } })
})
