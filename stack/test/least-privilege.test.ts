import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { pgHba } from '../src/components/postgres.ts'
import { grantTarget } from '../src/components/mariadb.ts'
import { serviceEnv } from '../src/components/service.ts'
import { connectWorkers } from '../src/components/connect.ts'
import { loadStackConfig } from '../src/config.ts'
import { connectSecrets, connectSecretsFile, loadConnectorFiles, writeConnectSecrets } from '../src/connectors.ts'
import { StackError } from '../src/errors.ts'
import { readServiceRegistry } from '../src/registry.ts'

const homes: string[] = []
after(() => { for (const h of homes) rmSync(h, { recursive: true, force: true }) })
const freshHome = () => { const h = mkdtempSync(join(tmpdir(), 'ripple-lp-')); homes.push(h); return h }

test('every database password is generated per RIPPLE_HOME: no public default, one per account, stable, overridable', () => {
  const home = freshHome()
  const config = loadStackConfig({ RIPPLE_HOME: home })
  const { generated, connect, clickhouse, ...passwords } = config.secrets
  const accounts = config.services.flatMap(s => [...(s.database ? [s.database.password] : []), ...(s.cassandra ? [s.cassandra.password] : [])])
  const all = [...Object.values(passwords), ...Object.values(connect), ...Object.values(clickhouse), ...accounts]
  assert.ok(accounts.length >= 5, 'user-service, post-service, notification-service, subscribe-service, informer')
  for (const p of all) {
    assert.ok(p.length >= 32, 'long and random')
    assert.ok(!['ripple', 'debezium', 'postgres'].includes(p), 'no public default')
  }
  assert.equal(new Set(all).size, all.length, 'each account its own password')
  assert.deepEqual(loadStackConfig({ RIPPLE_HOME: home }).secrets, config.secrets, 'the same on the next load')
  assert.notEqual(loadStackConfig({ RIPPLE_HOME: freshHome() }).secrets.mariadbPassword, passwords.mariadbPassword, 'another home, other passwords')
  const own = loadStackConfig({ RIPPLE_HOME: home, RIPPLE_MARIADB_CDC_PASSWORD: 'chosen-cdc', RIPPLE_POSTGRES_INFORMER_PASSWORD: 'chosen-informer' })
  assert.equal(own.secrets.mariadbCdcPassword, 'chosen-cdc')
  assert.equal(own.services.find(s => s.name === 'informer')?.database?.password, 'chosen-informer')
  void generated
})

test('each service declares its own database and account; a service run by up gets only that account, tests the admin', () => {
  const config = loadStackConfig({ RIPPLE_HOME: freshHome() })
  const byName = new Map(config.services.map(s => [s.name, s]))
  assert.deepEqual(byName.get('user-service')?.database && { ...byName.get('user-service')!.database, password: '' }, { engine: 'mariadb', database: 'userdata', user: 'user_service', password: '' })
  assert.equal(byName.get('post-service')?.database?.database, 'post_service_db')
  assert.equal(byName.get('notification-service')?.database?.engine, 'postgres')
  assert.equal(byName.get('subscribe-service')?.database?.database, 'subscribe_service_db')
  assert.equal(byName.get('informer')?.database?.user, 'informer')

  const user = byName.get('user-service')!
  const env = serviceEnv(config, user.secrets, user.database ?? null, user.publicKeys, user.name)
  assert.equal(env.MARIADB_USER, 'user_service')
  assert.equal(env.MARIADB_PASSWORD, user.database!.password)
  assert.equal(env.MARIADB_DATABASE, 'userdata')
  assert.equal(env.POSTGRES_USER, undefined, 'no PostgreSQL account')
  assert.equal(env.POSTGRES_PASSWORD, undefined)
  const everySecret = Object.values(config.secrets).filter((v): v is string => typeof v === 'string')
  for (const other of config.services.filter(s => s.name !== 'user-service')) everySecret.push(other.database?.password ?? '')
  for (const value of Object.values(env)) assert.ok(!everySecret.filter(Boolean).includes(value), 'no other account\'s password')

  // Only user-service holds the signing key; the services that check tokens get the public key alone.
  assert.equal(env.JWT_PRIVATE_KEY, config.secrets.generated.JWT_PRIVATE_KEY)
  for (const name of ['subscribe-service', 'post-service']) {
    const checker = byName.get(name)!
    const checkerEnv = serviceEnv(config, checker.secrets, checker.database ?? null, checker.publicKeys, checker.name)
    assert.equal(checkerEnv.JWT_PUBLIC_KEY, config.publicKeys.JWT_PUBLIC_KEY, name)
    assert.equal(checkerEnv.JWT_PRIVATE_KEY, undefined, `${name} cannot sign a token`)
  }
  for (const other of config.services.filter(s => s.name !== 'user-service')) assert.ok(!other.secrets.includes('JWT_PRIVATE_KEY'), `${other.name} holds no signing key`)

  const receiver = byName.get('receiver')!
  const bare = serviceEnv(config, receiver.secrets, receiver.database ?? null, receiver.publicKeys, receiver.name)
  assert.ok(!Object.keys(bare).some(k => /_(USER|PASSWORD)$/.test(k) && !k.startsWith('KAFKA_SASL_')), 'a service without a database gets no database credentials')
  // Its Kafka login is its own principal's, never the tests' or another's.
  assert.equal(bare.KAFKA_SASL_USERNAME, 'receiver')
  assert.equal(bare.KAFKA_SASL_PASSWORD, config.kafka.passwords.receiver)
  assert.notEqual(bare.KAFKA_SASL_PASSWORD, config.kafka.passwords['ripple-test'])

  const tests = serviceEnv(config)
  assert.equal(tests.MARIADB_USER, 'ripple')
  assert.equal(tests.MARIADB_PASSWORD, config.secrets.mariadbPassword)
  assert.equal(tests.POSTGRES_USER, 'postgres')
  assert.equal(tests.POSTGRES_PASSWORD, config.secrets.postgresPassword)
})

test('the registry refuses a database account of the stack\'s own, or one two services share', () => {
  const root = freshHome()
  const write = (services: Record<string, unknown>) => {
    rmSync(join(root, 'services'), { recursive: true, force: true })
    for (const [name, ripple] of Object.entries(services)) {
      mkdirSync(join(root, 'services', name), { recursive: true })
      writeFileSync(join(root, 'services', name, 'package.json'), JSON.stringify({ name, ripple }))
    }
  }
  write({ a: { port: 1, portVariable: 'RIPPLE_A_PORT', order: 1, database: { engine: 'mariadb', name: 'a', account: 'ripple' } } })
  assert.throws(() => readServiceRegistry(root), (err: unknown) => err instanceof StackError && /stack's own accounts/.test(err.message))
  write({
    a: { port: 1, portVariable: 'RIPPLE_A_PORT', order: 1, database: { engine: 'postgres', name: 'shared', account: 'a' } },
    b: { port: 2, portVariable: 'RIPPLE_B_PORT', order: 2, database: { engine: 'postgres', name: 'shared', account: 'b' } }
  })
  assert.throws(() => readServiceRegistry(root), (err: unknown) => err instanceof StackError && /own database/.test(err.message))
})

test('grants name the one database: _ and % are escaped, so post_service_db does not also match postXserviceXdb', () => {
  assert.equal(grantTarget('post_service_db'), '`post\\_service\\_db`.*')
  assert.equal(grantTarget('userdata'), '`userdata`.*')
})

test('PostgreSQL\'s pg_hba.conf trusts nobody: the superuser by peer over the socket, everyone else by SCRAM', () => {
  const lines = pgHba().split('\n').filter(l => l.trim() && !l.startsWith('#'))
  assert.ok(lines.length > 0)
  for (const l of lines) {
    const method = l.trim().split(/\s+/).find(w => ['trust', 'password', 'md5', 'peer', 'scram-sha-256', 'ident', 'reject'].includes(w))
    assert.ok(method === 'scram-sha-256' || (method === 'peer' && /\spostgres\s/.test(l)), l)
  }
})

test('connector files name passwords only as ${file:} references to a 0600 file the Connect worker reads through FileConfigProvider', async () => {
  const home = freshHome()
  const config = loadStackConfig({ RIPPLE_HOME: home })
  const secrets = Object.values(connectSecrets(config))
  assert.deepEqual(secrets.sort(), [config.secrets.mariadbCdcPassword, config.secrets.jdbcSinkPassword, config.secrets.postgresCdcPassword, config.secrets.mariadbJdbcSinkPassword].sort())
  for (const d of loadConnectorFiles(config)) {
    const text = JSON.stringify(d.config)
    for (const s of secrets) assert.ok(!text.includes(s), `${d.name} carries no password`)
    for (const [key, value] of Object.entries(d.config)) {
      if (/password/i.test(key)) assert.match(value, new RegExp(`^\\$\\{file:${connectSecretsFile(config).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:[a-z_.]+\\.password\\}$`), `${d.name} ${key}`)
    }
  }
  const file = writeConnectSecrets(config)
  assert.equal(statSync(file).mode & 0o777, 0o600)
  await connectWorkers(config)[0]!.prepare()
  const props = (await import('node:fs')).readFileSync(join(config.paths.conf, 'connect-distributed.properties'), 'utf8')
  assert.match(props, /^config\.providers=file$/m)
  assert.match(props, /^config\.providers\.file\.class=org\.apache\.kafka\.common\.config\.provider\.FileConfigProvider$/m)
  assert.ok(props.includes(`config.providers.file.param.allowed.paths=${config.paths.conf}`))
  for (const s of secrets) assert.ok(!props.includes(s), 'the worker config carries no password')
})
