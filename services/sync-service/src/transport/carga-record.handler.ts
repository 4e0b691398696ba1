import type { Logger, MessageHandler } from '@ripple/kit'
import type { CargaVersion, SyncOutcome } from '../entities/carga.entity.ts'
import type { SyncCarga } from '../interactors/sync-carga.interactor.ts'
import { decodeCargaRecord } from './carga-record.decoder.ts'

export interface CargaRecordMetrics {
  synced (version: CargaVersion, outcome: SyncOutcome): void
}

/**
 * The Kafka side: decode, write, report. A database error is thrown as it is, so the kit retries
 * the record for as long as the database is away (its partition paused, /health 503 once it
 * lasts); only what decodeCargaRecord or the database refuses as data is dead-lettered.
 */
export function createCargaRecordHandler (deps: { syncCarga: SyncCarga, metrics: CargaRecordMetrics, logger: Logger }): MessageHandler {
  return async message => {
    const version = decodeCargaRecord(message)
    const outcome = await deps.syncCarga(version)
    deps.metrics.synced(version, outcome)
    deps.logger.debug({ id: version.id, requestId: version.requestId, partition: version.position.partition, offset: String(version.position.offset), outcome }, 'carga synced')
  }
}
