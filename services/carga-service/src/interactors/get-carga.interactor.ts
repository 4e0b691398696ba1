import { err, ok } from '@ripple/kit/domain'
import type { Result } from '@ripple/kit/domain'
import type { StoredCarga } from '../entities/carga.entity.ts'
import { CargaNotFoundError } from '../entities/carga.errors.ts'
import type { CargaStore } from '../ports/carga-store.port.ts'

export type GetCarga = (id: string) => Promise<Result<StoredCarga, CargaNotFoundError>>

/** What Cassandra holds for an id: the last load by topic order that the consumer wrote. */
export function makeGetCarga ({ store }: { store: CargaStore }): GetCarga {
  return async id => {
    const found = await store.find(id)
    return found ? ok(found) : err(new CargaNotFoundError(id))
  }
}
