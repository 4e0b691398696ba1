import type { CargaVersion, SyncOutcome } from '../entities/carga.entity.ts'

/**
 * tabela: one row per id, the newest version by topic position (supersedes). `write` applies that
 * rule atomically whatever else is written at the same moment, and resolves once it is durable.
 */
export interface CargaRepository {
  write (version: CargaVersion): Promise<SyncOutcome>
}
