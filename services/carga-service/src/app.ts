import { consumerTuning, defineService } from '@ripple/kit'
import client from 'prom-client'
import type { CargaConfig } from './config.ts'
import { createCassandraCargaStore } from './adapters/cassandra-carga-store.adapter.ts'
import { createCassandraClient } from './adapters/cassandra.database.ts'
import { createKafkaCargaPublisher } from './adapters/kafka-carga-publisher.adapter.ts'
import { makeAcceptCarga } from './interactors/accept-carga.interactor.ts'
import { makeApplyCarga } from './interactors/apply-carga.interactor.ts'
import { makeGetCarga } from './interactors/get-carga.interactor.ts'
import { createPendingCargas } from './interactors/pending-cargas.rules.ts'
import { registerCargaRoutes } from './transport/carga.routes.ts'
import { createCargaRecordHandler } from './transport/carga-record.handler.ts'

/**
 * POST /carga publishes to carga_topic (the source of truth); this service's own consumer writes
 * Cassandra from the topic, and GET /carga/:id reads Cassandra (seed 002).
 */
export const createCargaService = defineService<CargaConfig>('carga-service', async ({ config, metrics, http, producer, consume, probe, onClose }) => {
  const registers = [metrics.registry]
  const requests = new client.Counter({ name: 'ripple_carga_requests_total', help: 'POST /carga answers by outcome: accepted (published) or unchanged (a repeat, nothing published)', labelNames: ['outcome'], registers })
  const applied = new client.Counter({ name: 'ripple_carga_applied_total', help: 'carga_topic records written to Cassandra', registers })

  const credentials = config.CASSANDRA_USER && config.CASSANDRA_PASSWORD ? { user: config.CASSANDRA_USER, password: config.CASSANDRA_PASSWORD } : undefined
  const cassandra = createCassandraClient({ host: config.CASSANDRA_HOST, port: config.CASSANDRA_PORT, keyspace: config.CASSANDRA_KEYSPACE, dataCenter: config.CASSANDRA_DATACENTER, ...(credentials ? { credentials } : {}) })
  onClose(() => cassandra.shutdown())
  probe('cassandra', () => cassandra.execute('SELECT release_version FROM system.local'))

  const store = createCassandraCargaStore(cassandra)
  const pending = createPendingCargas()
  new client.Gauge({ name: 'ripple_carga_pending', help: 'Accepted loads not yet written to Cassandra by this process', registers, collect () { this.set(pending.size) } })

  await consume({
    groupId: config.GROUP_ID,
    topics: [config.TOPIC],
    handler: createCargaRecordHandler({ applyCarga: makeApplyCarga({ store, pending }), applied: () => applied.inc() }),
    ...consumerTuning(config),
    concurrencyPerPartition: config.CONCURRENCY_PER_PARTITION
  })

  const publisher = createKafkaCargaPublisher(producer({ lingerMs: config.KAFKA_LINGER_MS }), config.TOPIC)
  registerCargaRoutes(http, {
    interactors: { acceptCarga: makeAcceptCarga({ publisher, store, pending }), getCarga: makeGetCarga({ store }) },
    metrics: { accepted: () => requests.inc({ outcome: 'accepted' }), unchanged: () => requests.inc({ outcome: 'unchanged' }) }
  })
})
