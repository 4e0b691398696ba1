import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, test } from 'node:test'
import cassandraDriver from 'cassandra-driver'
import { execa } from 'execa'
import { loadStackConfig } from '@ripple/stack'
import { stack, unique } from '@ripple/testing'
import { cassandra } from '../../stack/src/components/cassandra.ts'
import { ensurePortsFree } from '../../stack/src/prerequisites.ts'

const config = loadStackConfig()
const client = new cassandraDriver.Client({ contactPoints: [stack.cassandra], localDataCenter: 'datacenter1' })
after(() => client.shutdown())

test('Cassandra 5.0 answers CQL on its own port', async () => {
  const row = (await client.execute('SELECT release_version, cluster_name FROM system.local')).first()
  assert.match(String(row?.get('release_version')), /^5\.0\./)
  assert.equal(row?.get('cluster_name'), 'ripple')
  assert.equal(stack.cassandra, `${config.host}:${config.ports.cassandra}`)
})

test('up made my_keyspace (SimpleStrategy, one replica) and its tabela (id text primary key, valor text, and where each row came from)', async () => {
  const keyspace = (await client.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', ['my_keyspace'])).first()
  assert.deepEqual(keyspace?.get('replication'), { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '1' })
  const columns = (await client.execute('SELECT column_name, type, kind FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?', ['my_keyspace', 'tabela'])).rows
  const byName = Object.fromEntries(columns.map(c => [c.get('column_name') as string, `${c.get('type') as string} ${c.get('kind') as string}`]))
  assert.deepEqual(byName, {
    id: 'text partition_key',
    valor: 'text regular',
    topic_partition: 'int regular',
    topic_offset: 'bigint regular',
    request_id: 'text regular',
    accepted_at: 'timestamp regular'
  })
})

test('a row written and read back keeps its unicode text, and a write with an older timestamp loses', async () => {
  const id = unique('stack-test-')
  const insert = 'INSERT INTO my_keyspace.tabela (id, valor) VALUES (?, ?) USING TIMESTAMP ?'
  await client.execute(insert, [id, 'Teste de integração ✓', 20], { prepare: true })
  await client.execute(insert, [id, 'older', 10], { prepare: true })
  const row = (await client.execute('SELECT valor FROM my_keyspace.tabela WHERE id = ?', [id], { prepare: true })).first()
  assert.equal(row?.get('valor'), 'Teste de integração ✓')
  await client.execute('DELETE FROM my_keyspace.tabela WHERE id = ?', [id], { prepare: true })
})

test('./ripple status shows Cassandra healthy at its CQL address', async () => {
  const { stdout } = await execa(process.execPath, ['--disable-warning=ExperimentalWarning', join(config.repoRoot, 'stack', 'src', 'cli.ts'), 'status', '--json'])
  const row = (JSON.parse(stdout) as { name: string, healthy: boolean, pid: number | null, address: string }[]).find(r => r.name === 'cassandra')
  assert.equal(row?.healthy, true)
  assert.ok(Number.isInteger(row?.pid))
  assert.equal(row?.address, stack.cassandra)
})

test('a taken CQL port stops up with one sentence naming the variable that moves it', async () => {
  // The running Cassandra holds the port, as any other process would.
  await assert.rejects(ensurePortsFree(config, [cassandra(config)]), (error: Error) => {
    assert.match(error.message, new RegExp(`^Port ${config.ports.cassandra} on ${config.host.replaceAll('.', '\\.')}, needed by Cassandra CQL, is taken by another process: stop that process or set RIPPLE_CASSANDRA_PORT to a free port and run again\\.$`))
    return true
  })
  assert.deepEqual(cassandra(config).ports().map(p => p.port), [config.ports.cassandra, config.ports.cassandraStorage])
})
