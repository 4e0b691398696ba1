import { decodeJsonRecord, InvalidInputError } from '@ripple/kit'
import type { ConsumedMessage } from '@ripple/kit'
import { cargaRecordSchema } from '@ripple/contracts'
import type { CargaVersion } from '../entities/carga.entity.ts'

/**
 * A carga_topic record as the version of a row it stands for. Anything that can never be written
 * (not JSON, a field missing or too long, a key that is not the id, so its partition does not
 * order that id's writes) is an InvalidInputError naming the field, which the kit dead-letters.
 */
export function decodeCargaRecord (message: ConsumedMessage): CargaVersion {
  const record = decodeJsonRecord(cargaRecordSchema, message)
  const key = message.key?.toString('utf8')
  if (key !== record.id) throw new InvalidInputError('key', `the key ${JSON.stringify(key ?? null)} is not the record's id ${JSON.stringify(record.id)}`)
  return {
    id: record.id,
    valor: record.valor,
    updatedAt: record.acceptedAt === undefined ? new Date(Number(message.timestamp)) : new Date(record.acceptedAt),
    requestId: record.requestId,
    position: { partition: message.partition, offset: message.offset }
  }
}
