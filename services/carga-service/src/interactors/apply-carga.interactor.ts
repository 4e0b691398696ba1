import type { StoredCarga } from '../entities/carga.entity.ts'
import type { CargaStore } from '../ports/carga-store.port.ts'
import type { PendingCargas } from './pending-cargas.rules.ts'

export type ApplyCarga = (carga: StoredCarga) => Promise<void>

/**
 * Writes a carga_topic record into Cassandra. The store orders writes by the record's position,
 * so a redelivered or older record changes nothing; a Cassandra outage throws, and the consumer
 * retries the record until Cassandra is back.
 */
export function makeApplyCarga ({ store, pending }: { store: CargaStore, pending: PendingCargas }): ApplyCarga {
  return async carga => {
    await store.apply(carga)
    pending.settle({ id: carga.id, valor: carga.valor, requestId: carga.requestId, acceptedAt: carga.acceptedAt })
  }
}
