import { err, ok } from '@ripple/kit/domain'
import type { Result } from '@ripple/kit/domain'
import type { Carga, CargaEvent, StoredCarga } from '../entities/carga.entity.ts'
import { LogUnavailableError, StoreUnavailableError } from '../entities/carga.errors.ts'
import type { CargaPublisher } from '../ports/carga-publisher.port.ts'
import type { CargaStore } from '../ports/carga-store.port.ts'
import type { PendingCargas } from './pending-cargas.rules.ts'

export interface AcceptCargaDeps {
  publisher: CargaPublisher
  store: CargaStore
  pending: PendingCargas
  now?: () => Date
}

export interface CargaRequest extends Carga {
  requestId: string
}

/**
 * `accepted`: a new record is on carga_topic. `unchanged`: the id's latest accepted value is
 * already this one (a retried request), so nothing was published; `carga` is that earlier load,
 * with its position once Cassandra holds it.
 */
export type AcceptOutcome =
  | { kind: 'accepted', carga: CargaEvent }
  | { kind: 'unchanged', carga: CargaEvent | StoredCarga }

export type AcceptCarga = (request: CargaRequest) => Promise<Result<AcceptOutcome, StoreUnavailableError | LogUnavailableError>>

/**
 * Publishes a load to carga_topic, the one write of the request: Cassandra is written from the
 * topic by this service's consumer, so no crash can leave one without the other. Requests for
 * one id run one after the other, so two of them never both find the old value and publish twice.
 */
export function makeAcceptCarga ({ publisher, store, pending, now = () => new Date() }: AcceptCargaDeps): AcceptCarga {
  const chains = new Map<string, Promise<unknown>>()

  async function accept (request: CargaRequest): Promise<Result<AcceptOutcome, StoreUnavailableError | LogUnavailableError>> {
    let latest: CargaEvent | StoredCarga | undefined = pending.get(request.id)
    if (!latest) {
      try {
        latest = await store.find(request.id)
      } catch (error) {
        return err(new StoreUnavailableError(error))
      }
    }
    if (latest?.valor === request.valor) return ok({ kind: 'unchanged', carga: latest })
    const event: CargaEvent = { id: request.id, valor: request.valor, requestId: request.requestId, acceptedAt: now().toISOString() }
    const before = pending.get(request.id)
    // Pending before the send: the consumer may write the record before the send resolves here.
    pending.set(event)
    try {
      await publisher.publish(event)
    } catch (error) {
      pending.settle(event)
      if (before) pending.set(before)
      return err(new LogUnavailableError(error))
    }
    return ok({ kind: 'accepted', carga: event })
  }

  return request => {
    const previous = chains.get(request.id) ?? Promise.resolve()
    const run = previous.then(() => accept(request))
    const tail = run.catch(() => {}).finally(() => { if (chains.get(request.id) === tail) chains.delete(request.id) })
    chains.set(request.id, tail)
    return run
  }
}
