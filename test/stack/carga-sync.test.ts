// Seed 002 from carga_topic on: sync-service writes PostgreSQL carga.tabela, Debezium's source and
// the JDBC sink carry it to MariaDB carga.tabela; the same valor in both, unicode intact.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { createProducer } from '@ripple/kit'
import type { KafkaProducer } from '@ripple/kit'
import { eventually, readTopic, stack, topicEndOffsets, unique } from '@ripple/testing'

const TOPIC = 'carga_topic'

describe('carga_topic → sync-service → PostgreSQL carga.tabela → Debezium → MariaDB carga.tabela', () => {
  let producer: KafkaProducer
  let postgres: pg.Client
  let mariadb: mysql.Connection

  /** A record as carga-service publishes it: key the id, value JSON. */
  const carga = (id: string, valor: string) => ({ topic: TOPIC, key: id, value: JSON.stringify({ id, valor, requestId: unique('req-'), acceptedAt: new Date().toISOString() }) })
  const inPostgres = async (id: string) => (await postgres.query<{ valor: string, updated_at: Date }>('SELECT valor, updated_at FROM tabela WHERE id = $1', [id])).rows[0]
  const inMariaDb = async (id: string) => ((await mariadb.query('SELECT valor, updated_at FROM carga.tabela WHERE id = ?', [id])) as unknown as [{ valor: string, updated_at: Date }[]])[0][0]
  /** Waits until both stores hold this valor for the id, and the same updated_at. */
  const inBoth = (id: string, valor: string) => eventually(async () => {
    const [p, m] = [await inPostgres(id), await inMariaDb(id)]
    assert.equal(p?.valor, valor, `PostgreSQL ${id}`)
    assert.equal(m?.valor, valor, `MariaDB ${id}`)
    assert.equal(m.updated_at.getTime(), p.updated_at.getTime(), `updated_at of ${id}`)
  }, 60_000, 200)

  before(async () => {
    producer = createProducer({ brokers: stack.kafkaBrokers, sasl: stack.kafkaSasl, clientId: 'carga-sync-test' })
    postgres = new pg.Client({ ...stack.postgres, database: 'carga' })
    await postgres.connect()
    // The JDBC sink writes DATETIME in UTC (its database.time_zone): read it as UTC whatever the machine's zone.
    mariadb = await mysql.createConnection({ ...stack.mariadb, charset: 'utf8mb4', timezone: 'Z' })
  })
  after(async () => {
    await producer.close()
    await postgres.end()
    await mariadb.end()
  })

  test('a record reaches both stores with the same valor, unicode intact; an update of the id reaches both', async () => {
    const [id, other] = [unique('sync-'), unique('sync-🚀-')]
    await producer.send([carga(id, 'Teste de integração'), carga(other, 'emoji 🚀 e acentuação: ç, ã, é; 日本語')])
    await inBoth(id, 'Teste de integração')
    await inBoth(other, 'emoji 🚀 e acentuação: ç, ã, é; 日本語')
    await producer.send(carga(id, 'Teste de integração, atualizado ✓'))
    await inBoth(id, 'Teste de integração, atualizado ✓')
    // The largest valor the contract allows, in characters that take 2 to 4 bytes each.
    const large = 'çã🚀'.repeat(2500)
    await producer.send(carga(id, large))
    await inBoth(id, large)
  })

  test('ids that differ only in case or a trailing space stay apart in MariaDB as in PostgreSQL', async () => {
    const id = unique('case-')
    await producer.send([carga(id, 'lower'), carga(id.toUpperCase(), 'upper'), carga(`${id} `, 'trailing space')])
    await inBoth(id, 'lower')
    await inBoth(id.toUpperCase(), 'upper')
    await inBoth(`${id} `, 'trailing space')
  })

  test('a malformed record lands in carga_topic.dlq with its reason; the next records of its id go on', async () => {
    const id = unique('bad-')
    const from = await topicEndOffsets(`${TOPIC}.dlq`)
    await producer.send([
      carga(id, 'before'),
      { topic: TOPIC, key: id, value: `{"id": "${id}", "valor": ` },
      { topic: TOPIC, key: id, value: JSON.stringify({ id, valor: 'x'.repeat(10_001) }) },
      carga(id, 'after')
    ])
    await inBoth(id, 'after')
    const parked = await readTopic(`${TOPIC}.dlq`, records => records.filter(r => r.key === id).length >= 2, 60_000, from.length > 0 ? from : undefined)
    const ours = parked.filter(r => r.key === id)
    // carga-service reads carga_topic too and parks what it cannot read on the same topic: at least sync-service's two.
    assert.ok(ours.some(r => r.headers['x-dlq-error-field'] === 'value' && /not JSON/.test(r.headers['x-dlq-reason'] ?? '')), JSON.stringify(ours.map(r => r.headers)))
    assert.ok(ours.some(r => r.headers['x-dlq-error-field'] === 'value.valor'))
    assert.ok(ours.every(r => r.headers['x-dlq-original-topic'] === TOPIC))
  })

  test('a row deleted in PostgreSQL is deleted in MariaDB', async () => {
    const [gone, kept] = [unique('del-'), unique('keep-')]
    await producer.send([carga(gone, 'to be deleted'), carga(kept, 'to be kept')])
    await inBoth(gone, 'to be deleted')
    await inBoth(kept, 'to be kept')
    assert.equal((await postgres.query('DELETE FROM tabela WHERE id = $1', [gone])).rowCount, 1)
    await eventually(async () => assert.equal(await inMariaDb(gone), undefined, 'deleted in MariaDB'), 60_000, 200)
    assert.equal((await inMariaDb(kept))?.valor, 'to be kept')
  })
})
