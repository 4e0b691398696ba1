import assert from 'node:assert/strict'
import { test } from 'node:test'
import { endpoints, loadStackConfig } from '@ripple/stack'
import { connectFetch } from '@ripple/operations'

test('Kafka Connect lists the Debezium source connectors and the JDBC sink', async () => {
  const res = await connectFetch(endpoints(loadStackConfig()).connect, '/connector-plugins')
  assert.equal(res.status, 200)
  const plugins = await res.json() as { class: string, type: string, version: string }[]
  const byClass = new Map(plugins.map(p => [p.class, p]))
  for (const source of ['io.debezium.connector.mariadb.MariaDbConnector', 'io.debezium.connector.mysql.MySqlConnector', 'io.debezium.connector.postgresql.PostgresConnector']) {
    assert.equal(byClass.get(source)?.type, 'source', `${source} is installed`)
  }
  assert.equal(byClass.get('io.debezium.connector.jdbc.JdbcSinkConnector')?.type, 'sink')
  assert.match(byClass.get('io.debezium.connector.mariadb.MariaDbConnector')?.version ?? '', /^3\./)
})
