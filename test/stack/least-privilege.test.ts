import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { after, describe, test } from 'node:test'
import { execa } from 'execa'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { createLogger } from '@ripple/kit'
import { endpoints, loadStackConfig } from '@ripple/stack'
import { dropsRoot } from '@ripple/stack/components'
import { connectFetch } from '@ripple/operations'
import type { ServiceDefinition } from '@ripple/stack'
import { dropMariaDbDatabase, restoreStack, stack, unique } from '@ripple/testing'
import { cargaConnectorAccounts } from '@ripple/stack'

/**
 * Least privilege on the running stack: each service's own database account is refused what
 * lies outside its database, the JDBC sink may only upsert its tables, no login works without a
 * password (beyond the stack's own superuser by peer), and Kafka Connect shows references to
 * the passwords, never the passwords.
 */
const config = loadStackConfig()
const ep = endpoints(config)
/** Seed 002's connector accounts: Debezium's PostgreSQL role, the JDBC sink's MariaDB account. */
const carga = cargaConnectorAccounts(config)

function account (service: string): NonNullable<ServiceDefinition['database']> {
  const found = config.services.find(s => s.name === service)?.database
  assert.ok(found, `${service} declares its database account in its package.json "ripple".database`)
  return found
}

/** The promise's rejection code (MariaDB's `code`, PostgreSQL's SQLSTATE); fails when it resolves. */
async function refusal (work: Promise<unknown>): Promise<string> {
  try {
    await work
  } catch (err) {
    return String((err as { code?: string }).code)
  }
  assert.fail('the statement was allowed')
}

const MARIADB_DENIED = new Set(['ER_DBACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR', 'ER_SPECIFIC_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_ERROR'])
const PG_DENIED = '42501' // insufficient_privilege

describe('MariaDB: each service\'s account works in its own database only', () => {
  const conns: mysql.Connection[] = []
  after(async () => { for (const c of conns) await c.end() })
  const as = async (service: string) => {
    const a = account(service)
    const conn = await mysql.createConnection({ host: ep.mariadb.host, port: ep.mariadb.port, user: a.user, password: a.password })
    conns.push(conn)
    return conn
  }

  test('user-service: its users table yes; post_service_db, mysql.user, another database, global rights no', async () => {
    assert.equal(account('user-service').database, 'userdata')
    const conn = await as('user-service')
    await conn.query('SELECT COUNT(*) FROM userdata.users')
    for (const sql of [
      'SELECT * FROM post_service_db.outbox LIMIT 1',
      'SELECT User, Password FROM mysql.user',
      `CREATE DATABASE ${unique('other_')}`,
      'CREATE USER intruder IDENTIFIED BY \'x\'',
      'GRANT SELECT ON post_service_db.* TO user_service',
      'FLUSH PRIVILEGES'
    ]) {
      const code = await refusal(conn.query(sql))
      assert.ok(MARIADB_DENIED.has(code) || code === 'ER_PASSWORD_NO_MATCH', `${sql}: ${code}`)
    }
    const [databases] = await conn.query('SHOW DATABASES') as unknown as [{ Database: string }[]]
    assert.deepEqual(databases.map(d => d.Database).filter(d => d !== 'information_schema'), ['userdata'], 'sees no other database')
  })

  test('post-service: its outbox yes; userdata no', async () => {
    const conn = await as('post-service')
    await conn.query('SELECT COUNT(*) FROM post_service_db.outbox')
    assert.ok(MARIADB_DENIED.has(await refusal(conn.query('SELECT * FROM userdata.users LIMIT 1'))))
    assert.ok(MARIADB_DENIED.has(await refusal(conn.query('SELECT * FROM inventory.categories LIMIT 1'))))
    assert.ok(MARIADB_DENIED.has(await refusal(conn.query('SELECT * FROM mysql.user LIMIT 1'))))
  })

  test('jdbc_sink (MariaDB): SELECT, the upsert and DELETE on carga.tabela; nothing else of carga, no other database, no DDL', async () => {
    const conn = await mysql.createConnection({ host: ep.mariadb.host, port: ep.mariadb.port, user: carga.mariadbSink.user, password: carga.mariadbSink.password, database: 'carga' })
    conns.push(conn)
    const id = `lp-${unique('')}`
    await conn.query('START TRANSACTION')
    await conn.query('INSERT INTO tabela (id, valor, updated_at) VALUES (?, \'a\', NOW(6)) ON DUPLICATE KEY UPDATE valor = VALUES(valor)', [id])
    await conn.query('INSERT INTO tabela (id, valor, updated_at) VALUES (?, \'b\', NOW(6)) ON DUPLICATE KEY UPDATE valor = VALUES(valor)', [id])
    const [rows] = await conn.query('SELECT valor FROM tabela WHERE id = ?', [id]) as unknown as [{ valor: string }[]]
    assert.equal(rows[0]?.valor, 'b')
    await conn.query('DELETE FROM tabela WHERE id = ?', [id])
    await conn.query('ROLLBACK')
    for (const sql of [
      'ALTER TABLE tabela ADD COLUMN x INT',
      'DROP TABLE tabela',
      'TRUNCATE tabela',
      'CREATE TABLE carga.other (id INT)',
      'SELECT * FROM inventory.categories LIMIT 1',
      'SELECT * FROM userdata.users LIMIT 1',
      'SELECT User FROM mysql.user',
      `CREATE DATABASE ${unique('other_')}`
    ]) {
      const code = await refusal(conn.query(sql))
      assert.ok(MARIADB_DENIED.has(code), `${sql}: ${code}`)
    }
    const [databases] = await conn.query('SHOW DATABASES') as unknown as [{ Database: string }[]]
    assert.deepEqual(databases.map(d => d.Database).filter(d => d !== 'information_schema'), ['carga'], 'sees no other database')
  })

  test('root refuses a TCP login, without a password and with its own; its socket is in a folder only its owner enters', async () => {
    for (const password of [undefined, '', config.secrets.mariadbRootPassword]) {
      const code = await refusal(mysql.createConnection({ host: ep.mariadb.host, port: ep.mariadb.port, user: 'root', ...(password === undefined ? {} : { password }) }))
      assert.ok(['ER_ACCESS_DENIED_ERROR', 'ER_HOST_NOT_PRIVILEGED'].includes(code), code)
    }
    assert.equal(statSync(join(config.paths.run, 'mariadb')).mode & 0o777, 0o700)
  })

  test('debezium: the captured tables\' kept columns only (never users.password), nothing of mysql.* or an uncaptured table, no writes', async () => {
    const conn = await mysql.createConnection({ host: ep.mariadb.host, port: ep.mariadb.port, user: ep.mariadbCdc.user, password: ep.mariadbCdc.password })
    conns.push(conn)
    await conn.query('SELECT id, username, email FROM userdata.users LIMIT 1')
    await conn.query('SELECT * FROM post_service_db.outbox LIMIT 1')
    await conn.query('SELECT * FROM inventory.categories LIMIT 1')
    assert.equal(await refusal(conn.query('SELECT password FROM userdata.users LIMIT 1')), 'ER_COLUMNACCESS_DENIED_ERROR')
    // A `*` over a column it may not read is refused for the table as a whole.
    assert.equal(await refusal(conn.query('SELECT * FROM userdata.users LIMIT 1')), 'ER_TABLEACCESS_DENIED_ERROR')
    assert.equal(await refusal(conn.query('SELECT User, authentication_string FROM mysql.user')), 'ER_TABLEACCESS_DENIED_ERROR')
    assert.equal(await refusal(conn.query('SELECT * FROM carga.tabela LIMIT 1')), 'ER_TABLEACCESS_DENIED_ERROR')
    assert.equal(await refusal(conn.query('DELETE FROM post_service_db.outbox WHERE 1 = 0')), 'ER_TABLEACCESS_DENIED_ERROR')
    const [grants] = await conn.query('SHOW GRANTS') as unknown as [Record<string, string>[]]
    const global = grants.map(g => Object.values(g)[0]!).find(g => / ON \*\.\* TO /.test(g)) ?? ''
    assert.doesNotMatch(global, /\bSELECT\b/, `no global SELECT: ${global}`)
    // What a snapshot needs of a captured table beyond its columns: its definition.
    await conn.query('SHOW CREATE TABLE userdata.users')
  })

  test('no account without a password, no anonymous account, root only at localhost', async () => {
    const admin = await mysql.createConnection(ep.mariadb)
    conns.push(admin)
    const [rows] = await admin.query('SELECT User AS user, Host AS host, plugin, authentication_string AS auth FROM mysql.user') as unknown as [{ user: string, host: string, plugin: string, auth: string }[]]
    for (const r of rows) {
      if (r.user === 'mariadb.sys') continue // a definer-only account: it cannot log in
      assert.notEqual(r.user, '', 'anonymous account')
      assert.ok(r.auth.length > 0 && r.auth !== 'invalid', `${r.user}@${r.host} has a password`)
      if (r.user === 'root') assert.equal(r.host, 'localhost')
    }
  })
})

describe('PostgreSQL: each service\'s role owns its database; the JDBC sink only upserts jobs and inventory.categories', () => {
  const clients: pg.Client[] = []
  after(async () => { for (const c of clients) await c.end() })
  const as = async (user: string, password: string, database: string) => {
    const client = new pg.Client({ host: ep.postgres.host, port: ep.postgres.port, user, password, database })
    await client.connect()
    clients.push(client)
    return client
  }

  test('subscribe-service\'s role may not connect to notification-service\'s database, nor read its own from another role', async () => {
    const subscribe = account('subscribe-service')
    const notification = account('notification-service')
    const own = await as(subscribe.user, subscribe.password, subscribe.database)
    await own.query('SELECT 1')
    assert.equal(await refusal(as(subscribe.user, subscribe.password, notification.database)), PG_DENIED)
    assert.equal(await refusal(as(subscribe.user, subscribe.password, 'jobs')), PG_DENIED)
    assert.equal(await refusal(as(subscribe.user, subscribe.password, 'inventory')), PG_DENIED)
    assert.equal(await refusal(as(subscribe.user, subscribe.password, 'postgres')), PG_DENIED)
    assert.equal(await refusal(as(notification.user, notification.password, subscribe.database)), PG_DENIED)
    const informer = account('informer')
    assert.equal(await refusal(as(informer.user, informer.password, subscribe.database)), PG_DENIED)
    const { rows } = await own.query<{ super: boolean, createdb: boolean, createrole: boolean }>('SELECT rolsuper AS super, rolcreatedb AS createdb, rolcreaterole AS createrole FROM pg_roles WHERE rolname = current_user')
    assert.deepEqual(rows[0], { super: false, createdb: false, createrole: false })
  })

  test('jdbc_sink: SELECT, INSERT and the upsert on jobs.jobs; no DELETE, TRUNCATE, DROP or DDL', async () => {
    const sink = await as('jdbc_sink', config.secrets.jdbcSinkPassword, 'jobs')
    const id = `lp-${unique('')}`
    await sink.query('BEGIN')
    await sink.query('INSERT INTO jobs (id, status, create_date) VALUES ($1, \'create\', 1) ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, create_date = EXCLUDED.create_date', [id])
    await sink.query('INSERT INTO jobs (id, status, create_date, finish_date) VALUES ($1, \'finish\', 1, 2) ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, finish_date = EXCLUDED.finish_date', [id])
    assert.equal((await sink.query('SELECT status FROM jobs WHERE id = $1', [id])).rows[0]?.status, 'finish')
    await sink.query('ROLLBACK')
    for (const sql of ['DELETE FROM jobs WHERE id = \'x\'', 'TRUNCATE jobs', 'DROP TABLE jobs', 'ALTER TABLE jobs ADD COLUMN x int', 'CREATE TABLE other (id int)']) {
      assert.equal(await refusal(sink.query(sql)), PG_DENIED, sql)
    }
  })

  test('jdbc_sink: SELECT, INSERT and the upsert on inventory.categories; no DELETE, TRUNCATE, DROP or DDL', async () => {
    const sink = await as('jdbc_sink', config.secrets.jdbcSinkPassword, 'inventory')
    const id = -Math.floor(Math.random() * 1_000_000) - 1
    await sink.query('BEGIN')
    await sink.query('INSERT INTO categories (id, name) VALUES ($1, \'a\') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name', [id])
    await sink.query('INSERT INTO categories (id, name) VALUES ($1, \'b\') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name', [id])
    assert.equal((await sink.query('SELECT name FROM categories WHERE id = $1', [id])).rows[0]?.name, 'b')
    await sink.query('ROLLBACK')
    for (const sql of ['DELETE FROM categories WHERE id = 0', 'TRUNCATE categories', 'DROP TABLE categories', 'ALTER TABLE categories ADD COLUMN x int', 'CREATE TABLE other (id int)']) {
      assert.equal(await refusal(sink.query(sql)), PG_DENIED, sql)
    }
  })

  test('sync-service\'s role owns carga and nothing else; Debezium\'s role replicates and reads carga.tabela, and writes nothing', async () => {
    const sync = account('sync-service')
    assert.deepEqual([sync.engine, sync.database], ['postgres', 'carga'])
    const own = await as(sync.user, sync.password, 'carga')
    await own.query('SELECT count(*) FROM tabela')
    for (const database of ['jobs', 'inventory', 'postgres', account('informer').database]) {
      assert.equal(await refusal(as(sync.user, sync.password, database)), PG_DENIED, `sync-service into ${database}`)
    }
    const cdc = await as(carga.postgresCdc.user, carga.postgresCdc.password, 'carga')
    const { rows } = await cdc.query<{ super: boolean, replication: boolean, createdb: boolean, createrole: boolean }>('SELECT rolsuper AS super, rolreplication AS replication, rolcreatedb AS createdb, rolcreaterole AS createrole FROM pg_roles WHERE rolname = current_user')
    assert.deepEqual(rows[0], { super: false, replication: true, createdb: false, createrole: false })
    await cdc.query('SELECT count(*) FROM tabela')
    for (const sql of ['INSERT INTO tabela (id, valor, updated_at, source_partition, source_offset) VALUES (\'lp\', \'x\', now(), 0, 0)', 'UPDATE tabela SET valor = \'x\'', 'DELETE FROM tabela', 'TRUNCATE tabela', 'CREATE TABLE other (id int)', 'CREATE PUBLICATION lp_pub FOR TABLE tabela']) {
      assert.equal(await refusal(cdc.query(sql)), PG_DENIED, sql)
    }
    for (const database of ['jobs', 'postgres', account('subscribe-service').database]) {
      assert.equal(await refusal(as(carga.postgresCdc.user, carga.postgresCdc.password, database)), PG_DENIED, `debezium into ${database}`)
    }
  })

  test('no login without the password, over TCP or the socket; the socket folder and the socket only for their owner', async () => {
    // Without a password the server asks for SCRAM (under `trust` it would let the client in): pg gives up before sending any.
    const demandsPassword = async (client: pg.Client, what: string) => {
      const err = await client.connect().then(() => { clients.push(client); return undefined }, (e: unknown) => e as Error)
      assert.match(err?.message ?? 'connected without a password', /SASL|password/, what)
    }
    const socketDir = join(config.paths.run, 'postgres')
    for (const user of ['postgres', 'jdbc_sink', carga.postgresCdc.user, account('informer').user]) {
      await demandsPassword(new pg.Client({ host: ep.postgres.host, port: ep.postgres.port, user, database: 'postgres' }), `${user} over TCP`)
      assert.equal(await refusal(as(user, 'wrong-password', 'postgres')), '28P01', `${user} over TCP`)
    }
    // Over the socket: a role by its password (the superuser by peer, as the stack's own OS user only).
    const informer = account('informer')
    await demandsPassword(new pg.Client({ host: socketDir, port: config.ports.postgres, user: informer.user, database: informer.database }), 'a role over the socket')
    const wrong = new pg.Client({ host: socketDir, port: config.ports.postgres, user: informer.user, password: 'wrong-password', database: informer.database })
    assert.equal(await refusal(wrong.connect()), '28P01', 'a role over the socket')
    assert.equal(statSync(socketDir).mode & 0o777, 0o700)
    const admin = await as(ep.postgres.user, ep.postgres.password, 'postgres')
    assert.equal((await admin.query('SHOW unix_socket_permissions')).rows[0]?.unix_socket_permissions, '0700')
    const { rows } = await admin.query<{ type: string, auth_method: string, user_name: string[] }>('SELECT type, auth_method, user_name FROM pg_hba_file_rules WHERE error IS NULL')
    assert.ok(rows.length > 0)
    for (const r of rows) assert.ok(r.auth_method === 'scram-sha-256' || (r.auth_method === 'peer' && r.type === 'local' && r.user_name.join() === 'postgres'), JSON.stringify(r))
    if (process.getuid?.() === 0) {
      // Another OS user cannot even reach the socket.
      const probe = `require('net').connect(${JSON.stringify(join(socketDir, `.s.PGSQL.${config.ports.postgres}`))}).on('connect', () => { console.log('connected'); process.exit(0) }).on('error', e => { console.log(e.code); process.exit(0) })`
      const { stdout } = await execa('runuser', ['-u', 'nobody', '--', process.execPath, '-e', probe])
      assert.equal(stdout.trim(), 'EACCES')
    }
  })
})

test('Kafka Connect shows each connector\'s passwords as ${file:} references, never their values', async () => {
  const secrets = [
    ...Object.values(config.secrets).filter((v): v is string => typeof v === 'string'),
    ...Object.values(config.secrets.connect),
    ...Object.values(config.secrets.clickhouse),
    carga.postgresCdc.password,
    carga.mariadbSink.password,
    ...config.services.flatMap(s => s.database ? [s.database.password] : [])
  ]
  for (const name of ['mysql-debezium-cdc-source-user', 'outbox-connector', 'postgres-connector', 'inventory-categories-source', 'inventory-categories-sink', 'carga-postgres-source', 'carga-mariadb-sink']) {
    const res = await connectFetch(stack.connect, `/connectors/${name}/config`)
    assert.equal(res.status, 200, name)
    const text = await res.text()
    for (const s of secrets) assert.ok(!text.includes(s), `${name} shows a password`)
    const body = JSON.parse(text) as Record<string, string>
    const passwordKeys = Object.keys(body).filter(k => /password/i.test(k))
    assert.ok(passwordKeys.length > 0, name)
    for (const k of passwordKeys) assert.match(body[k]!, /^\$\{file:[^:]+:[a-z_.]+\}$/, `${name} ${k}`)
    // The task got the real password: it runs.
    const status = await (await connectFetch(stack.connect, `/connectors/${name}/status`)).json() as { tasks: { state: string }[] }
    assert.ok(status.tasks.length > 0 && status.tasks.every(t => t.state === 'RUNNING'), `${name}: ${JSON.stringify(status.tasks)}`)
  }
  assert.equal(statSync(join(config.paths.conf, 'connect-secrets.properties')).mode & 0o777, 0o600)
})

test('a failing INSERT through mysql2 carries the password hash in err.sql; the kit\'s logger writes none of it', async () => {
  const database = unique('lp_log_')
  const admin = await mysql.createConnection(ep.mariadb)
  const hash = `scrypt$${unique('')}$${'A'.repeat(40)}`
  try {
    await admin.query(`CREATE DATABASE ${database}`)
    await admin.query(`CREATE TABLE ${database}.users (email VARCHAR(100) PRIMARY KEY, password VARCHAR(200) NOT NULL)`)
    await admin.execute(`INSERT INTO ${database}.users (email, password) VALUES (?, ?)`, ['a@example.com', hash])
    const err = await admin.query(`INSERT INTO ${database}.users (email, password) VALUES (?, ?)`, ['a@example.com', hash]).then(() => undefined, (e: unknown) => e as Error & { sql?: string })
    assert.ok(err?.sql?.includes(hash), 'mysql2 puts the bound hash into err.sql')
    const lines: string[] = []
    const logger = createLogger('least-privilege-test', 'info', new Writable({ write (chunk: Buffer, _enc, done) { lines.push(chunk.toString('utf8')); done() } }))
    logger.error({ err }, 'insert failed')
    logger.error(err)
    assert.equal(lines.length, 2)
    for (const line of lines) {
      assert.ok(!line.includes(hash), line)
      assert.ok(!line.includes('a@example.com'), line)
      assert.match(line, /ER_DUP_ENTRY/)
    }
  } finally {
    await admin.end()
    await dropMariaDbDatabase(database)
  }
})

test('Prometheus has no HTTP lifecycle API; ./ripple up reloads a changed scrape list by SIGHUP', async () => {
  for (const path of ['/-/quit', '/-/reload']) {
    const res = await fetch(`${stack.prometheusUrl}${path}`, { method: 'POST' })
    assert.equal(res.status, 403, `${path} is refused`)
  }
  const lastLoad = async () => {
    const text = await (await fetch(`${stack.prometheusUrl}/metrics`)).text()
    return Number(/^prometheus_config_last_reload_success_timestamp_seconds (\S+)$/m.exec(text)?.[1])
  }
  const before = await lastLoad()
  // A scrape list that differs from the stack's (as after a service was added): up writes it back and signals Prometheus.
  const file = join(config.paths.conf, 'prometheus.yml')
  const wanted = readFileSync(file, 'utf8')
  writeFileSync(file, wanted.replace(/"scrape_interval": "5s"/, '"scrape_interval": "7s"'))
  await restoreStack()
  assert.equal(readFileSync(file, 'utf8'), wanted)
  const after = await lastLoad()
  assert.ok(after > before, `reloaded (${before} -> ${after})`)
  assert.ok(after >= statSync(file).mtimeMs / 1000, 'loaded the file as written')
  const loaded = await (await fetch(`${stack.prometheusUrl}/api/v1/status/config`)).json() as { data: { yaml: string } }
  assert.match(loaded.data.yaml, /scrape_interval: 5s/)
})

test('each running service holds only its own database account, and no password of the stack\'s other accounts', async () => {
  const { stdout } = await execa(process.execPath, ['--disable-warning=ExperimentalWarning', join(config.repoRoot, 'stack', 'src', 'cli.ts'), 'status', '--json'])
  const running = new Map((JSON.parse(stdout) as { name: string, pid: number | null }[]).map(r => [r.name, r.pid]))
  const stackPasswords = [config.secrets.mariadbPassword, config.secrets.mariadbCdcPassword, config.secrets.mariadbRootPassword, config.secrets.postgresPassword, config.secrets.jdbcSinkPassword, carga.postgresCdc.password, carga.mariadbSink.password]
  for (const s of config.services) {
    const pid = running.get(s.name)
    assert.ok(pid, `${s.name} runs`)
    const env = new Map(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
    const own = s.database
    for (const engine of ['MARIADB', 'POSTGRES']) {
      const mine = own && own.engine.toUpperCase() === engine
      assert.equal(env.get(`${engine}_USER`), mine ? own.user : undefined, `${s.name} ${engine}_USER`)
      assert.equal(env.get(`${engine}_PASSWORD`), mine ? own.password : undefined, `${s.name} ${engine}_PASSWORD`)
    }
    const others = [...stackPasswords, ...config.services.filter(o => o !== s).flatMap(o => o.database ? [o.database.password] : [])]
    for (const [k, v] of env) assert.ok(!others.includes(v), `${s.name} holds another account's password in ${k}`)
  }
})

test('no database password and no generated secret appears in any log of the stack', () => {
  const secrets = [
    ...Object.values(config.secrets).filter((v): v is string => typeof v === 'string'),
    ...Object.values(config.secrets.connect),
    ...Object.values(config.secrets.clickhouse),
    carga.postgresCdc.password,
    carga.mariadbSink.password,
    ...Object.values(config.secrets.generated),
    ...config.services.flatMap(s => s.database ? [s.database.password] : [])
  ]
  const files = readdirSync(config.paths.logs)
  assert.ok(files.length > 0)
  for (const f of files) {
    const text = readFileSync(join(config.paths.logs, f), 'utf8')
    for (const secret of secrets) assert.ok(!text.includes(secret), `${f} holds a secret`)
  }
})

test('the stack\'s state is its owner\'s: data, run and conf only traversable by others, logs and the supervisor\'s folder closed; the change events Kafka keeps, the captured mails and every log readable by their owner alone', () => {
  const mode = (path: string) => statSync(path).mode & 0o777
  const octal = (m: number) => m.toString(8).padStart(4, '0')
  for (const dir of [config.paths.data, config.paths.run, config.paths.conf]) assert.equal(octal(mode(dir)), '0711', dir)
  for (const dir of [config.paths.logs, config.paths.pm2]) assert.equal(octal(mode(dir)), '0700', dir)
  // Kafka's log segments of the users' change events: one partition folder and its files.
  const kafkaData = join(config.paths.data, 'kafka')
  const partition = readdirSync(kafkaData).find(name => name.startsWith('cdc.table.userdata.users-'))
  assert.ok(partition, `a partition of the users' change events under ${kafkaData}`)
  const files = [
    ...readdirSync(join(kafkaData, partition)).map(f => join(kafkaData, partition, f)),
    join(config.paths.data, 'mail', 'mails.jsonl'),
    ...readdirSync(config.paths.logs).map(f => join(config.paths.logs, f))
  ]
  const readable = files.filter(f => (mode(f) & 0o077) !== 0).map(f => `${f} ${octal(mode(f))}`)
  assert.deepEqual(readable, [], 'files others may read or write')
  for (const dir of [kafkaData, join(kafkaData, partition), join(config.paths.data, 'mail')]) assert.equal(mode(dir) & 0o077, 0, `${dir} is ${octal(mode(dir))}`)
})

test('under a root `up`, MariaDB, PostgreSQL, Kafka, Connect, Cassandra, ClickHouse, Prometheus, the SMTP capture and every service run under an OS account of their own, never root, and no service can read another\'s environment', async t => {
  if (!dropsRoot()) {
    // Run by anyone else, or from a checkout other accounts cannot read, everything runs as the user that ran up.
    t.skip(process.getuid?.() === 0 ? 'up ran as root from a checkout other accounts cannot read: nothing is dropped' : 'up ran as a non-root user: there is no root to drop')
    return
  }
  const { stdout } = await execa(process.execPath, ['--disable-warning=ExperimentalWarning', join(config.repoRoot, 'stack', 'src', 'cli.ts'), 'status', '--json'])
  const running = new Map((JSON.parse(stdout) as { name: string, pid: number | null }[]).map(r => [r.name, r.pid]))
  const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
  const owners = new Map<string, number>()
  for (const name of ['mariadb', 'postgres', 'kafka', 'connect', 'cassandra', 'clickhouse', 'prometheus', 'smtp', ...config.services.map(s => s.name)]) {
    const pid = running.get(name)
    assert.ok(pid, `${name} runs`)
    const uid = uidOf(pid)
    assert.notEqual(uid, 0, `${name} (pid ${pid}) runs as root`)
    owners.set(name, uid)
  }
  const serviceUids = config.services.map(s => owners.get(s.name))
  assert.equal(new Set(serviceUids).size, serviceUids.length, 'each service has an OS account of its own')
  // /proc/<pid>/environ (where a service's secrets are) is readable by its own user only: user-service's account may not read notification-service's.
  const reader = await execa('runuser', ['-u', 'ripple-user-service', '--', 'cat', `/proc/${running.get('notification-service')}/environ`], { reject: false })
  assert.notEqual(reader.exitCode, 0, 'another service\'s account read notification-service\'s environment')
  assert.match(reader.stderr, /Permission denied/)
})
