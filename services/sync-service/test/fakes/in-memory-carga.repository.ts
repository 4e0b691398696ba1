import { supersedes } from '../../src/entities/carga.entity.ts'
import type { CargaVersion, SyncOutcome } from '../../src/entities/carga.entity.ts'
import type { CargaRepository } from '../../src/ports/carga-repository.port.ts'

/** tabela as a map, with the rule the PostgreSQL upsert implements; `failNext` makes writes fail as an outage would. */
export class InMemoryCargaRepository implements CargaRepository {
  readonly rows = new Map<string, CargaVersion>()
  failNext = 0
  writes = 0

  async write (version: CargaVersion): Promise<SyncOutcome> {
    this.writes++
    if (this.failNext > 0) {
      this.failNext--
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' })
    }
    if (!supersedes(version.position, this.rows.get(version.id)?.position)) return 'stale'
    this.rows.set(version.id, version)
    return 'applied'
  }
}
