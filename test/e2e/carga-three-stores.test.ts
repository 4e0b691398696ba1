// Seed 002 end to end under faults: 2,000 writes over 500 ids POSTed through the gateway while
// carga-service, sync-service and Kafka Connect are each SIGKILLed once. The client retries what
// was refused (as a client would); afterwards Cassandra, PostgreSQL carga.tabela and MariaDB
// carga.tabela hold the same 500 (id, valor) pairs, each the last value the API accepted.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import cassandraDriver from 'cassandra-driver'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { readTopic, restoreStack, stack, stopComponents, topicEndOffsets, unique } from '@ripple/testing'
import { assertInFlight, elapsed, recordsSoFar, sleep, whenAtLeast } from './faults.support.ts'

after(restoreStack)

const TOPIC = 'carga_topic'
const TOTAL = 2000
const IDS = 500
const VERSIONS = TOTAL / IDS
const LANES = 8
// Slow while the faults come (each stop and restore takes tens of seconds), so all three land with
// most of the burst still to send; fast once they are over.
const FAULT_RATE = 4
const FINISH_RATE = 100

type Store = 'cassandra' | 'postgres' | 'mariadb'
const STORES: Store[] = ['cassandra', 'postgres', 'mariadb']

/** A refusal a client retries: the gateway's own while carga-service is away, or carga-service's while a store is. */
const RETRIED = new Set([429, 502, 503, 504])

test('2,000 writes over 500 ids through the gateway, carga-service, sync-service and Kafka Connect each killed -9 once: Cassandra, PostgreSQL and MariaDB end with each id\'s last accepted valor, 0 missing, 0 stale', async t => {
  const prefix = unique('three-')
  const ids = Array.from({ length: IDS }, (_, i) => `${prefix}-${i}`)
  // Every fourth id's valores carry characters of 2 to 4 bytes, which each store must keep intact.
  const valorOf = (i: number, version: number) => `versão ${version} de ${ids[i]}${i % 4 === 0 ? ' — ç ã é ✓ 🚀 日本語' : ''}`
  const versionIn = (i: number, valor: string | undefined) => valor === undefined ? -1 : Array.from({ length: VERSIONS }, (_, v) => v).find(v => valorOf(i, v) === valor) ?? -2
  const expected = new Map(ids.map((id, i) => [id, valorOf(i, VERSIONS - 1)]))

  const cassandra = new cassandraDriver.Client({ contactPoints: [stack.cassandra], localDataCenter: 'datacenter1', keyspace: 'my_keyspace', authProvider: new cassandraDriver.auth.PlainTextAuthProvider(stack.cassandraAdmin.user, stack.cassandraAdmin.password) })
  const postgres = new pg.Client({ ...stack.postgres, database: 'carga' })
  await postgres.connect()
  const mariadb = await mysql.createConnection({ ...stack.mariadb, charset: 'utf8mb4' })
  const rowsOf = async (store: Store): Promise<Map<string, string>> => {
    if (store === 'postgres') {
      return new Map((await postgres.query<{ id: string, valor: string }>('SELECT id, valor FROM tabela WHERE id = ANY($1)', [ids])).rows.map(r => [r.id, r.valor]))
    }
    if (store === 'mariadb') {
      const [rows] = await mariadb.query('SELECT id, valor FROM carga.tabela WHERE id IN (?)', [ids]) as unknown as [{ id: string, valor: string }[]]
      return new Map(rows.map(r => [r.id, r.valor]))
    }
    const found = new Map<string, string>()
    for (let i = 0; i < IDS; i += 100) {
      const result = await cassandra.execute('SELECT id, valor FROM tabela WHERE id IN ?', [ids.slice(i, i + 100)], { prepare: true })
      for (const row of result.rows) found.set(row.get('id') as string, row.get('valor') as string)
    }
    return found
  }

  // The client: write n is version n / IDS of id n % IDS. Each id's versions go one after the
  // other (version v waits for v - 1's 2xx), so the last 2xx of an id is its last version.
  const burst = { perSecond: FAULT_RATE, accepted: 0, refusals: 0, retriedWrites: 0, statuses: new Map<string, number>(), acceptedVersion: ids.map(() => -1), endedAt: 0, stopped: false }
  const count = (status: string) => burst.statuses.set(status, (burst.statuses.get(status) ?? 0) + 1)
  async function postUntilAccepted (n: number): Promise<void> {
    const i = n % IDS
    const version = Math.floor(n / IDS)
    const body = JSON.stringify({ id: ids[i], valor: valorOf(i, version) })
    const deadline = Date.now() + 300_000
    for (let attempt = 0; ; attempt++) {
      let status: number | undefined
      let text: string
      let retryAfter = 0
      try {
        const res = await fetch(`${stack.gatewayUrl}/carga`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(30_000) })
        text = await res.text()
        status = res.status
        retryAfter = Number(res.headers.get('retry-after') ?? 0)
      } catch (error) {
        // No answer (reset, refused, timed out): the write may or may not have been published; sending it again is safe.
        text = (error as Error).message
      }
      if (status === 200 || status === 202) {
        count(String(status))
        burst.accepted++
        burst.acceptedVersion[i] = version
        if (attempt > 0) burst.retriedWrites++
        return
      }
      assert.ok(status === undefined || RETRIED.has(status), `POST /carga ${ids[i]} v${version}: ${status} ${text}`)
      count(status === undefined ? 'no answer' : String(status))
      burst.refusals++
      if (Date.now() > deadline || burst.stopped) throw new Error(`POST /carga ${ids[i]} v${version} not accepted${burst.stopped ? ' before the test ended' : ' within 300 s'}; last: ${status ?? ''} ${text}`)
      await sleep(Math.min(1000, retryAfter > 0 ? retryAfter * 1000 : 250))
    }
  }
  const dlqBefore = await recordsSoFar(`${TOPIC}.dlq`)
  const dlqFrom = await topicEndOffsets(`${TOPIC}.dlq`)
  const written: Promise<void>[] = []
  const started = performance.now()
  let due = started
  let next = 0
  const lanes = Array.from({ length: LANES }, async () => {
    while (next < TOTAL && !burst.stopped) {
      const n = next++
      const wait = due - performance.now()
      due = Math.max(due, performance.now()) + 1000 / burst.perSecond
      written[n] = (async () => {
        if (wait > 0) await sleep(wait)
        await written[n - IDS]
        await postUntilAccepted(n)
      })()
      await written[n]
    }
  })
  const sending = Promise.all(lanes).then(() => { burst.endedAt = performance.now() })
  // Lanes that failed reject `sending`, which is awaited below; until then the rejection is held.
  sending.catch(() => {})

  /** Accepted writes a store does not show yet: ids whose version there is below the last one accepted. */
  async function behind (): Promise<Record<Store, number>> {
    const accepted = [...burst.acceptedVersion]
    const figures = {} as Record<Store, number>
    for (const store of STORES) {
      const rows = await rowsOf(store)
      figures[store] = ids.filter((id, i) => accepted[i]! >= 0 && versionIn(i, rows.get(id)) < accepted[i]!).length
    }
    return figures
  }

  interface Fault { component: string, acceptedAtKill: number, inFlightAtKill: Record<Store, number>, mostBehindWhileDown: Record<Store, number>, refusalsWhileDown: number, acceptedAfterRestore: number, restoreSeconds: string }
  const faults: Fault[] = []
  let lastRestore = 0
  try {
    // The first kill once the pipeline carries writes to its end, each next one once writes are accepted again after the restore.
    await whenAtLeast(async () => (await rowsOf('mariadb')).size, 20, 180_000)
    for (const component of ['carga-service', 'sync-service', 'connect']) {
      await whenAtLeast(async () => burst.accepted, (faults.at(-1)?.acceptedAfterRestore ?? 0) + 20, 180_000)
      const refusalsBefore = burst.refusals
      const killStarted = performance.now()
      await stopComponents([component], { kill: true })
      // The process is gone: most of the burst must still be to come.
      const acceptedAtKill = burst.accepted
      t.diagnostic(`SIGKILL ${component} (took ${elapsed(killStarted)}) with ${acceptedAtKill} of ${TOTAL} writes accepted`)
      assertInFlight(`writes accepted (${component} killed)`, acceptedAtKill, TOTAL)
      // How far each store falls behind the accepted writes from the kill to the end of the restore:
      // what the restarted component (or the client's retries) had to make up for.
      const mostBehindWhileDown: Record<Store, number> = { cassandra: 0, postgres: 0, mariadb: 0 }
      let down = true
      const sampling = (async () => {
        while (down) {
          const now = await behind()
          for (const store of STORES) mostBehindWhileDown[store] = Math.max(mostBehindWhileDown[store], now[store])
          await sleep(500)
        }
      })()
      let fault: Fault
      try {
        const inFlightAtKill = await behind()
        t.diagnostic(`${component} down: accepted but not yet in Cassandra ${inFlightAtKill.cassandra}, PostgreSQL ${inFlightAtKill.postgres}, MariaDB ${inFlightAtKill.mariadb}`)
        lastRestore = performance.now()
        await restoreStack()
        fault = { component, acceptedAtKill, inFlightAtKill, mostBehindWhileDown, refusalsWhileDown: 0, acceptedAfterRestore: burst.accepted, restoreSeconds: elapsed(lastRestore) }
      } finally {
        down = false
        await sampling
      }
      fault.refusalsWhileDown = burst.refusals - refusalsBefore
      faults.push(fault)
      t.diagnostic(`restore (./ripple up) took ${fault.restoreSeconds}; until then ${fault.refusalsWhileDown} refusals retried, most accepted writes not yet in Cassandra ${mostBehindWhileDown.cassandra}, PostgreSQL ${mostBehindWhileDown.postgres}, MariaDB ${mostBehindWhileDown.mariadb}; ${fault.acceptedAfterRestore} writes accepted so far`)
    }
    burst.perSecond = FINISH_RATE
    await sending

    // Wait until every store holds each id's last valor, or time out and report what is missing.
    const tallies = {} as Record<Store, { rows: number, missing: string[], stale: string[] }>
    const tallyAll = async () => {
      for (const store of STORES) {
        const rows = await rowsOf(store)
        tallies[store] = { rows: rows.size, missing: ids.filter(id => !rows.has(id)), stale: ids.filter(id => rows.has(id) && rows.get(id) !== expected.get(id)) }
      }
      return STORES.reduce((sum, s) => sum + IDS - tallies[s].missing.length - tallies[s].stale.length, 0)
    }
    const converged = await whenAtLeast(tallyAll, IDS * STORES.length, 300_000).then(() => true, () => false)
    const toConverge = converged ? elapsed(burst.endedAt) : 'never'
    for (const f of faults) {
      console.log(`carga-three-stores: ${f.component} killed with ${f.acceptedAtKill} of ${TOTAL} accepted; in flight at the kill (accepted, not yet in Cassandra/PostgreSQL/MariaDB) ${STORES.map(s => f.inFlightAtKill[s]).join('/')}, at most until restored ${STORES.map(s => f.mostBehindWhileDown[s]).join('/')}; ${f.refusalsWhileDown} refusals retried; restore ${f.restoreSeconds}`)
    }
    console.log(`carga-three-stores: ${burst.accepted} writes accepted (${[...burst.statuses].map(([s, n]) => `${s}: ${n}`).join(', ')}), ${burst.retriedWrites} after a retry; burst ${((burst.endedAt - started) / 1000).toFixed(1)} s; ` +
      STORES.map(s => `${s} rows=${tallies[s].rows} missing=${tallies[s].missing.length} stale=${tallies[s].stale.length}`).join('; ') +
      `; converged ${toConverge} after the last write, ${converged ? elapsed(lastRestore) : 'never'} after the start of the last restore`)

    assert.equal(burst.accepted, TOTAL, 'every write accepted once')
    const [cargaKill, syncKill, connectKill] = faults
    assert.ok(cargaKill!.refusalsWhileDown > 0, 'writes were refused while carga-service was down, and retried')
    assert.ok(syncKill!.mostBehindWhileDown.postgres > 0, 'writes were accepted for PostgreSQL while sync-service was down')
    assert.ok(connectKill!.mostBehindWhileDown.mariadb > 0, 'writes were accepted for MariaDB while Kafka Connect was down')
    for (const store of STORES) assert.deepEqual(tallies[store], { rows: IDS, missing: [], stale: [] }, `${store}: each id once, with its last accepted valor`)
    const [inCassandra, inPostgres, inMariaDb] = await Promise.all(STORES.map(rowsOf))
    assert.deepEqual(inPostgres, inCassandra, 'PostgreSQL and Cassandra hold the same pairs')
    assert.deepEqual(inMariaDb, inCassandra, 'MariaDB and Cassandra hold the same pairs')
    assert.deepEqual(inCassandra, expected)
    // Other tests may park records of their own meanwhile: none of this burst's is among them.
    const added = Number(await recordsSoFar(`${TOPIC}.dlq`) - dlqBefore)
    const parked = added > 0 ? await readTopic(`${TOPIC}.dlq`, records => records.length >= added, 60_000, dlqFrom.length > 0 ? dlqFrom : undefined) : []
    assert.deepEqual(parked.filter(r => r.key?.startsWith(`${prefix}-`)).map(r => r.headers['x-dlq-reason']), [], 'nothing of the burst dead-lettered')
  } finally {
    // Whatever failed, the lanes stop sending before the clients close.
    burst.stopped = true
    await sending.catch(() => {})
    await cassandra.shutdown()
    await postgres.end()
    await mariadb.end()
  }
})
