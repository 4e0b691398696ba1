import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, test } from 'node:test'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { endpoints, loadStackConfig, withConnectorKafkaLogin } from '@ripple/stack'
import { applyConnector, deleteConnector, waitForConnector } from '@ripple/operations'
import { deleteTopics, eventually, readTopic } from '@ripple/testing'

const config = loadStackConfig()
const ep = endpoints(config)

interface Change { op: string, before: Record<string, unknown> | null, after: Record<string, unknown> | null }
const changeOf = (value: string): Change => (JSON.parse(value) as { payload: Change }).payload

/**
 * A row inserted before the connector exists comes through the snapshot (op r); once it has
 * arrived, streaming has begun, so the INSERT and UPDATE that follow must come from the log.
 */
async function assertLogCapture (topic: string, write: { insert: () => Promise<void>, update: () => Promise<void> }) {
  const snapshot = await readTopic(topic, seen => seen.some(m => m.value && changeOf(m.value).op === 'r'))
  assert.ok(snapshot.some(m => m.value && changeOf(m.value).op === 'r'), 'the snapshot row arrived')
  await write.insert()
  await write.update()
  const events = await readTopic(topic, seen => seen.some(m => m.value && changeOf(m.value).op === 'u'))
  const changes = events.flatMap(m => m.value ? [changeOf(m.value)] : [])
  const created = changes.find(c => c.op === 'c')
  const updated = changes.find(c => c.op === 'u')
  assert.equal(created?.after?.name, 'inserted')
  assert.equal(updated?.before?.name, 'inserted')
  assert.equal(updated?.after?.name, 'updated')
}

describe('Debezium captures changes from the databases', () => {
  test('MariaDB binlog → Kafka: INSERT and UPDATE become change events', async () => {
    const id = randomBytes(4).toString('hex')
    const database = `it_cdc_${id}`
    const prefix = `it.mariadb.${id}`
    const name = `it-mariadb-${id}`
    const db = await mysql.createConnection({ ...ep.mariadb })
    after(async () => {
      await deleteConnector(ep.connect, name)
      await db.query(`DROP DATABASE IF EXISTS ${database}`)
      await db.end()
      await deleteTopics([`${prefix}.${database}.items`, `${prefix}.schema-history`, prefix])
    })
    await db.query(`CREATE DATABASE ${database}`)
    await db.query(`CREATE TABLE ${database}.items (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL)`)
    await db.query(`INSERT INTO ${database}.items VALUES (1, 'snapshot')`)
    // Debezium's account reads only what the stack's connectors capture: this scratch table is granted to it here.
    await db.query(`GRANT SELECT ON ${database}.* TO ?@'%'`, [ep.mariadbCdc.user])

    // Its schema history clients log in as Connect, as the stack's own connectors' do.
    await applyConnector(ep.connect, withConnectorKafkaLogin(config, {
      name,
      config: {
        'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
        'database.hostname': config.host,
        'database.port': String(config.ports.mariadb),
        'database.user': ep.mariadbCdc.user,
        'database.password': ep.mariadbCdc.password,
        'database.server.id': String(100000 + Math.floor(Math.random() * 100000)),
        'topic.prefix': prefix,
        'database.include.list': database,
        'schema.history.internal.kafka.bootstrap.servers': ep.kafkaBrokers.join(','),
        'schema.history.internal.kafka.topic': `${prefix}.schema-history`,
        'tasks.max': '1'
      }
    }))
    await waitForConnector(ep.connect, name)
    await assertLogCapture(`${prefix}.${database}.items`, {
      insert: async () => { await db.query(`INSERT INTO ${database}.items VALUES (?, ?)`, [2, 'inserted']) },
      update: async () => { await db.query(`UPDATE ${database}.items SET name = ? WHERE id = ?`, ['updated', 2]) }
    })
  })

  test('PostgreSQL WAL (pgoutput) → Kafka: INSERT and UPDATE become change events', async () => {
    const id = randomBytes(4).toString('hex')
    const database = `it_cdc_${id}`
    const prefix = `it.pg.${id}`
    const name = `it-pg-${id}`
    const admin = new pg.Client({ ...ep.postgres, database: 'postgres' })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${database}`)
    const db = new pg.Client({ ...ep.postgres, database })
    await db.connect()
    after(async () => {
      try {
        await deleteConnector(ep.connect, name)
        await db.end()
        // The task lets go of its replication slot a moment after the connector is deleted;
        // the database cannot be dropped while the slot exists.
        await eventually(async () => {
          const { rows } = await admin.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [`it_${id}`])
          if (rows[0]?.active) throw new Error('slot still active')
          if (rows[0]) await admin.query('SELECT pg_drop_replication_slot($1)', [`it_${id}`])
        }, 30_000, 250)
        await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
        await deleteTopics([`${prefix}.public.items`])
      } finally {
        await admin.end()
      }
    })
    await db.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL)')
    await db.query('ALTER TABLE items REPLICA IDENTITY FULL')
    await db.query("INSERT INTO items VALUES (1, 'snapshot')")

    await applyConnector(ep.connect, {
      name,
      config: {
        'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
        'plugin.name': 'pgoutput',
        'database.hostname': config.host,
        'database.port': String(config.ports.postgres),
        'database.user': ep.postgres.user,
        'database.password': ep.postgres.password,
        'database.dbname': database,
        'topic.prefix': prefix,
        'table.include.list': 'public.items',
        'slot.name': `it_${id}`,
        'slot.drop.on.stop': 'true',
        'publication.name': `it_${id}_pub`,
        'publication.autocreate.mode': 'filtered',
        'tasks.max': '1'
      }
    })
    await waitForConnector(ep.connect, name)
    await assertLogCapture(`${prefix}.public.items`, {
      insert: async () => { await db.query('INSERT INTO items VALUES ($1, $2)', [2, 'inserted']) },
      update: async () => { await db.query('UPDATE items SET name = $1 WHERE id = $2', ['updated', 2]) }
    })
  })
})
