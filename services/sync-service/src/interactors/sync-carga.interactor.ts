import type { CargaVersion, SyncOutcome } from '../entities/carga.entity.ts'
import type { CargaRepository } from '../ports/carga-repository.port.ts'

export type SyncCarga = (version: CargaVersion) => Promise<SyncOutcome>

/**
 * Brings tabela up to a record of carga_topic. Idempotent by the version rule: a record delivered
 * again after a crash, or an older one, leaves the row as the newest record made it.
 */
export function makeSyncCarga ({ cargas }: { cargas: CargaRepository }): SyncCarga {
  return version => cargas.write(version)
}
