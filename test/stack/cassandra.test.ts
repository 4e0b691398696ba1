import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, test } from 'node:test'
import cassandraDriver from 'cassandra-driver'
import { execa } from 'execa'
import { loadStackConfig } from '@ripple/stack'
import { stack, unique } from '@ripple/testing'
import { cassandra } from '@ripple/stack/components'
import { ensurePortsFree } from '@ripple/stack'

const config = loadStackConfig()
const login = (user: string, password: string) => new cassandraDriver.auth.PlainTextAuthProvider(user, password)
const client = new cassandraDriver.Client({ contactPoints: [stack.cassandra], localDataCenter: 'datacenter1', authProvider: login(stack.cassandraAdmin.user, stack.cassandraAdmin.password) })
after(() => client.shutdown())

/** What connect() failed with on the one node: the driver wraps it in NoHostAvailableError. */
async function connectError (options: Partial<cassandraDriver.ClientOptions>): Promise<unknown> {
  const other = new cassandraDriver.Client({ contactPoints: [stack.cassandra], localDataCenter: 'datacenter1', socketOptions: { connectTimeout: 5000 }, ...options })
  try {
    await other.connect()
    return undefined
  } catch (err) {
    assert.ok(err instanceof cassandraDriver.errors.NoHostAvailableError, String(err))
    const inner = Object.values(err.innerErrors as Record<string, unknown>)
    assert.equal(inner.length, 1)
    return inner[0]
  } finally {
    await other.shutdown()
  }
}

const UNAUTHORIZED = cassandraDriver.types.responseErrorCodes.unauthorized

test('a client without credentials, with the default superuser\'s or with a wrong password is refused at login', async () => {
  const anonymous = await connectError({})
  assert.ok(anonymous instanceof cassandraDriver.errors.AuthenticationError, String(anonymous))
  assert.match(String((anonymous as Error).message), /requires authentication/)
  for (const [user, password] of [['cassandra', 'cassandra'], [stack.cassandraAdmin.user, `${stack.cassandraAdmin.password}x`]] as const) {
    const refused = await connectError({ authProvider: login(user, password) })
    assert.ok(refused instanceof cassandraDriver.errors.AuthenticationError, `${user}: ${String(refused)}`)
    assert.match(String((refused as Error).message), /Provided username .* and\/or password are incorrect/)
  }
  const roles = (await client.execute('SELECT role, is_superuser, can_login FROM system_auth.roles')).rows.map(r => r.get('role') as string)
  assert.ok(!roles.includes('cassandra'), `the default superuser is gone: ${roles.join(', ')}`)
})

test('carga-service\'s role reads and writes its keyspace only: no system_auth, no new keyspace, no role', async () => {
  const own = config.services.find(s => s.name === 'carga-service')?.cassandra
  assert.ok(own, 'carga-service\'s registry entry names its Cassandra role')
  assert.deepEqual([own.keyspace, own.user], ['my_keyspace', 'carga_service'])
  const carga = new cassandraDriver.Client({ contactPoints: [stack.cassandra], localDataCenter: 'datacenter1', keyspace: own.keyspace, authProvider: login(own.user, own.password) })
  try {
    const id = unique('role-test-')
    await carga.execute('INSERT INTO tabela (id, valor) VALUES (?, ?)', [id, 'own keyspace'], { prepare: true })
    assert.equal((await carga.execute('SELECT valor FROM tabela WHERE id = ?', [id], { prepare: true })).first()?.get('valor'), 'own keyspace')
    await carga.execute('DELETE FROM tabela WHERE id = ?', [id], { prepare: true })
    const refused = async (cql: string, what: RegExp) => {
      await assert.rejects(carga.execute(cql), (err: unknown) => {
        assert.ok(err instanceof cassandraDriver.errors.ResponseError, String(err))
        assert.equal(err.code, UNAUTHORIZED, `${cql}: ${err.message}`)
        assert.match(err.message, what)
        return true
      })
    }
    await refused('SELECT role, salted_hash FROM system_auth.roles', /has no SELECT permission on <table system_auth\.roles>/)
    await refused(`CREATE KEYSPACE ${unique('ks_')} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`, /has no CREATE permission on <all keyspaces>/)
    await refused('DROP TABLE my_keyspace.tabela', /has no DROP permission/)
    await refused(`CREATE ROLE ${unique('r_')} WITH LOGIN = true AND PASSWORD = 'x'`, /does not have sufficient privileges/)
  } finally {
    await carga.shutdown()
  }
})

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
