import { consumerTuning, defineService, LATENCY_BUCKETS } from '@ripple/kit'
import client from 'prom-client'
import type { SyncServiceConfig } from './config.ts'
import { createPgCargaRepository } from './adapters/pg-carga-repository.adapter.ts'
import { migrate } from './adapters/pg.schema.ts'
import { makeSyncCarga } from './interactors/sync-carga.interactor.ts'
import { createCargaRecordHandler } from './transport/carga-record.handler.ts'

/** carga_topic into PostgreSQL tabela, the newest record of each id winning; Debezium takes it on to MariaDB. */
export const createSyncService = defineService<SyncServiceConfig>('sync-service', async ({ config, logger, metrics, postgres, consume }) => {
  const registers = [metrics.registry]
  const synced = new client.Counter({ name: 'ripple_carga_synced_total', help: 'carga_topic records written to tabela (applied) or found older than the row (stale)', labelNames: ['outcome'], registers })
  const acceptedToSynced = new client.Histogram({ name: 'ripple_carga_accepted_to_synced_seconds', help: 'From carga-service accepting a write until it is committed in PostgreSQL', buckets: LATENCY_BUCKETS, registers })

  const pool = await postgres({ database: config.POSTGRES_DATABASE, max: config.POSTGRES_POOL_SIZE })
  await migrate(pool, config.PUBLICATION)
  await consume({
    groupId: config.GROUP_ID,
    topics: [config.TOPIC],
    handler: createCargaRecordHandler({
      syncCarga: makeSyncCarga({ cargas: createPgCargaRepository(pool) }),
      logger,
      metrics: {
        synced: (version, outcome) => {
          synced.inc({ outcome })
          if (outcome === 'applied') acceptedToSynced.observe(Math.max(0, Date.now() - version.updatedAt.getTime()) / 1000)
        }
      }
    }),
    ...consumerTuning(config),
    concurrencyPerPartition: config.CONCURRENCY_PER_PARTITION,
    // carga_topic's three partitions' worth, so fetching pauses only once every lane is full.
    maxBuffered: config.CONCURRENCY_PER_PARTITION * 3
  })
})

export type SyncService = ReturnType<typeof createSyncService>
