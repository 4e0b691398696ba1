// sync-service SIGKILLed while a burst of 1,000 carga_topic records over 200 ids is written: the
// records it had not committed come again to the restarted service, the version rule keeps an
// older one from overwriting a newer one, and PostgreSQL and MariaDB end with each id's last valor.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { createProducer } from '@ripple/kit'
import { readTopic, restoreStack, stack, stopComponents, topicEndOffsets, unique } from '@ripple/testing'
import { assertInFlight, elapsed, recordsSoFar, sleep, waitForLagZero, whenAtLeast } from './faults.support.ts'

after(restoreStack)

const TOPIC = 'carga_topic'
const TOTAL = 1000
const IDS = 200

test('sync-service killed -9 during 1,000 records over 200 ids: PostgreSQL and MariaDB hold each id\'s last valor, 0 missing, 0 stale', async t => {
  const prefix = unique('kill-')
  const ids = Array.from({ length: IDS }, (_, i) => `${prefix}-${i}`)
  const valorOf = (n: number) => `valor #${n} de ${ids[n % IDS]} ✓ 🚀`
  // Record n writes id n % 200: the last of id i is record TOTAL - IDS + i.
  const expected = new Map(ids.map((id, i) => [id, valorOf(TOTAL - IDS + i)]))
  const producer = createProducer({ brokers: stack.kafkaBrokers, sasl: stack.kafkaSasl, clientId: 'carga-sync-kill-test' })
  const postgres = new pg.Client({ ...stack.postgres, database: 'carga' })
  await postgres.connect()
  const mariadb = await mysql.createConnection({ ...stack.mariadb, charset: 'utf8mb4' })
  const rowsOf = async (where: 'postgres' | 'mariadb') => where === 'postgres'
    ? (await postgres.query<{ id: string, valor: string }>('SELECT id, valor FROM tabela WHERE id LIKE $1', [`${prefix}-%`])).rows
    : ((await mariadb.query('SELECT id, valor FROM carga.tabela WHERE id LIKE ?', [`${prefix}-%`])) as unknown as [{ id: string, valor: string }[]])[0]
  const dlqBefore = await recordsSoFar(`${TOPIC}.dlq`)
  const dlqFrom = await topicEndOffsets(`${TOPIC}.dlq`)

  try {
    // One after the other, so the topic's order is the order of n; slow enough that the kill and
    // the restore (tens of seconds) land with most of the burst still to come.
    const burst = { sent: 0, perSecond: 10 }
    const sending = (async () => {
      for (let n = 0; n < TOTAL; n++) {
        const id = ids[n % IDS]!
        await producer.send({ topic: TOPIC, key: id, value: JSON.stringify({ id, valor: valorOf(n), requestId: `${prefix}-req-${n}`, acceptedAt: new Date().toISOString() }) })
        burst.sent++
        await sleep(1000 / burst.perSecond)
      }
    })()

    await whenAtLeast(async () => (await rowsOf('postgres')).length, 40)
    const killStarted = performance.now()
    await stopComponents(['sync-service'], { kill: true })
    // sync-service is gone: PostgreSQL holds what it wrote, and most of the burst is still to come.
    const written = await rowsOf('postgres')
    const atKill = { sent: burst.sent, rows: written.length, final: written.filter(r => r.valor === expected.get(r.id)).length }
    t.diagnostic(`SIGKILL (took ${elapsed(killStarted)}) with ${atKill.sent} of ${TOTAL} records sent, ${atKill.rows} ids in PostgreSQL (${atKill.final} at their last valor)`)
    assertInFlight('records sent', atKill.sent, TOTAL)
    assert.ok(atKill.rows > 0 && atKill.final < IDS, `sync-service was writing when it was killed (${atKill.rows} ids in PostgreSQL, ${atKill.final} at their last valor)`)
    const restoredAt = performance.now()
    await restoreStack()
    t.diagnostic(`restore (./ripple up) took ${elapsed(restoredAt)}`)
    burst.perSecond = 200
    await sending

    await waitForLagZero('sync-service', TOPIC)
    const lagZero = elapsed(restoredAt)
    const tallyOf = (rows: { id: string, valor: string }[]) => {
      const found = new Map(rows.map(r => [r.id, r.valor]))
      return {
        rows: rows.length,
        missing: ids.filter(id => !found.has(id)),
        stale: ids.filter(id => found.has(id) && found.get(id) !== expected.get(id))
      }
    }
    // MariaDB follows PostgreSQL through Debezium: wait until it holds the last valor of every id, or time out and report.
    let mariadbTally = tallyOf(await rowsOf('mariadb'))
    const inMariaDb = await whenAtLeast(async () => {
      mariadbTally = tallyOf(await rowsOf('mariadb'))
      return IDS - mariadbTally.missing.length - mariadbTally.stale.length
    }, IDS, 180_000).catch(() => undefined)
    const postgresTally = tallyOf(await rowsOf('postgres'))
    console.log(`carga-sync-kill: PostgreSQL rows=${postgresTally.rows} missing=${postgresTally.missing.length} stale=${postgresTally.stale.length}; MariaDB rows=${mariadbTally.rows} missing=${mariadbTally.missing.length} stale=${mariadbTally.stale.length}; from the start of the restore: lag 0 ${lagZero}, MariaDB complete ${inMariaDb === undefined ? 'never' : elapsed(restoredAt)}`)

    assert.deepEqual(postgresTally, { rows: IDS, missing: [], stale: [] }, 'PostgreSQL: each id once, with its last valor')
    assert.deepEqual(mariadbTally, { rows: IDS, missing: [], stale: [] }, 'MariaDB: each id once, with its last valor')
    // Other tests may park records of their own meanwhile: none of this burst's is among them.
    const added = Number(await recordsSoFar(`${TOPIC}.dlq`) - dlqBefore)
    const parked = added > 0 ? await readTopic(`${TOPIC}.dlq`, records => records.length >= added, 60_000, dlqFrom.length > 0 ? dlqFrom : undefined) : []
    assert.deepEqual(parked.filter(r => r.key?.startsWith(`${prefix}-`)).map(r => r.headers['x-dlq-reason']), [], 'nothing of the burst dead-lettered')
  } finally {
    await producer.close()
    await postgres.end()
    await mariadb.end()
  }
})
