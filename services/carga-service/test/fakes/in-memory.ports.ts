import type { StoredCarga } from '../../src/entities/carga.entity.ts'
import type { CargaStore } from '../../src/ports/carga-store.port.ts'

/** Cassandra's last-write-wins by write timestamp, which the real adapter sets to the record's offset. */
export class InMemoryCargaStore implements CargaStore {
  readonly rows = new Map<string, StoredCarga>()
  writes = 0
  failWith: Error | undefined

  async find (id: string): Promise<StoredCarga | undefined> {
    if (this.failWith) throw this.failWith
    return this.rows.get(id)
  }

  async apply (carga: StoredCarga): Promise<void> {
    if (this.failWith) throw this.failWith
    this.writes++
    const current = this.rows.get(carga.id)
    if (!current || current.offset <= carga.offset) this.rows.set(carga.id, carga)
  }
}
