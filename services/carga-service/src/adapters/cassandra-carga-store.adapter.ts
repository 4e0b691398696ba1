import cassandraDriver from 'cassandra-driver'
import type { StoredCarga } from '../entities/carga.entity.ts'
import type { CargaStore } from '../ports/carga-store.port.ts'

const { types } = cassandraDriver

const COLUMNS = 'id, valor, topic_partition, topic_offset, request_id, accepted_at'

/**
 * my_keyspace.tabela. Each row is written with the record's offset as its write timestamp: one
 * id always lands on one partition of carga_topic, where offsets grow with every record, so
 * Cassandra's last-write-wins keeps the last record by topic order whatever order the writes
 * arrive in, and a record written again is the same cell at the same timestamp (a no-op).
 */
export function createCassandraCargaStore (client: cassandraDriver.Client, table = 'tabela'): CargaStore {
  // One node: ONE is every replica. Prepared, so values travel bound (no CQL quoting to get wrong).
  const options = { prepare: true, consistency: types.consistencies.localOne }
  return {
    async find (id) {
      const result = await client.execute(`SELECT ${COLUMNS} FROM ${table} WHERE id = ?`, [id], options)
      const row = result.first()
      if (!row) return undefined
      return {
        id: row.get('id') as string,
        valor: (row.get('valor') as string | null) ?? '',
        partition: row.get('topic_partition') as number,
        offset: BigInt((row.get('topic_offset') as cassandraDriver.types.Long).toString()),
        requestId: (row.get('request_id') as string | null) ?? '',
        acceptedAt: (row.get('accepted_at') as Date | null)?.toISOString() ?? ''
      } satisfies StoredCarga
    },
    async apply (carga) {
      const position = types.Long.fromString(carga.offset.toString())
      await client.execute(
        `INSERT INTO ${table} (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
        [carga.id, carga.valor, carga.partition, position, carga.requestId, new Date(carga.acceptedAt), position],
        options
      )
    }
  }
}
