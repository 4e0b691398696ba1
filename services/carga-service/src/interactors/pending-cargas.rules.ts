import type { CargaEvent } from '../entities/carga.entity.ts'

/**
 * The loads this process published that its consumer has not yet written to Cassandra: the
 * latest accepted value of an id is the pending one when there is one, else Cassandra's row.
 * Without it a retry arriving before the consumer caught up would read the old row and publish
 * the same load a second time.
 */
export interface PendingCargas {
  get (id: string): CargaEvent | undefined
  set (event: CargaEvent): void
  /** Forgets `event` once it is in Cassandra (or was never published), leaving a newer one in place. */
  settle (event: CargaEvent): void
  readonly size: number
}

const same = (a: CargaEvent, b: CargaEvent) => a.id === b.id && a.valor === b.valor && a.requestId === b.requestId && a.acceptedAt === b.acceptedAt

export function createPendingCargas (): PendingCargas {
  const byId = new Map<string, CargaEvent>()
  return {
    get: id => byId.get(id),
    set: event => { byId.set(event.id, event) },
    settle: event => {
      const current = byId.get(event.id)
      if (current && same(current, event)) byId.delete(event.id)
    },
    get size () { return byId.size }
  }
}
