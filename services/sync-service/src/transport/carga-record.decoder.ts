import type { ConsumedMessage } from '@ripple/kit'
import { decodeCargaRecord as decodeCargaTopicRecord } from '@ripple/contracts'
import type { CargaVersion } from '../entities/carga.entity.ts'

/**
 * A carga_topic record as the version of a row it stands for. The decoding (and its refusals,
 * dead-lettered by the kit) is the contract's, the same carga-service applies to Cassandra.
 */
export function decodeCargaRecord (message: ConsumedMessage): CargaVersion {
  const record = decodeCargaTopicRecord(message)
  return {
    id: record.id,
    valor: record.valor,
    updatedAt: record.acceptedAt === undefined ? new Date(Number(message.timestamp)) : new Date(record.acceptedAt),
    requestId: record.requestId,
    position: { partition: message.partition, offset: message.offset }
  }
}
