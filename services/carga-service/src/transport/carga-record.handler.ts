import type { MessageHandler } from '@ripple/kit'
import { decodeCargaRecord } from '@ripple/contracts'
import type { ApplyCarga } from '../interactors/apply-carga.interactor.ts'

/** A carga_topic record into Cassandra at its position; a Cassandra error is thrown, so the kit retries it until Cassandra answers. */
export function createCargaRecordHandler (deps: { applyCarga: ApplyCarga, applied?: () => void }): MessageHandler {
  return async message => {
    // carga_topic's one decoder (sync-service's too): a record it refuses can never be written, the kit dead-letters it.
    const record = decodeCargaRecord(message)
    await deps.applyCarga({
      id: record.id,
      valor: record.valor,
      requestId: record.requestId ?? '',
      acceptedAt: record.acceptedAt ?? new Date(Number(message.timestamp)).toISOString(),
      partition: message.partition,
      offset: message.offset
    })
    deps.applied?.()
  }
}
