import type { StoredCarga } from '../entities/carga.entity.ts'

/** Cassandra's my_keyspace.tabela. */
export interface CargaStore {
  find (id: string): Promise<StoredCarga | undefined>
  /**
   * Writes the row as of its record's position: a write from an older position than the row's
   * changes nothing, and the same record written twice is the same write.
   */
  apply (carga: StoredCarga): Promise<void>
}
