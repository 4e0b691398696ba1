import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadStackConfig } from '../src/config.ts'
import type { ConnectTarget } from '../src/config.ts'
import { connectCredentialsFile, connectFetch, connectJaasFile, connectSecretsFile, controlConnector, loadConnectorFiles, placeholders, resolvePlaceholders, restartIfFailed, sourcePositionLost, waitForConnector, writeConnectRestAuth } from '../src/connectors.ts'
import { StackError } from '../src/errors.ts'

test('placeholders take the stack\'s own ports, and a password only as a reference to the Connect secrets file', () => {
  const config = loadStackConfig({ RIPPLE_MARIADB_PORT: '3999', RIPPLE_MARIADB_CDC_PASSWORD: 's3cret' })
  const resolved = resolvePlaceholders({ name: 'x', config: { 'database.port': '${RIPPLE_MARIADB_PORT}', 'database.password': '${file:${RIPPLE_CONNECT_SECRETS}:mariadb.debezium.password}', plain: 'a' } }, placeholders(config))
  assert.deepEqual(resolved.config, { 'database.port': '3999', 'database.password': `\${file:${connectSecretsFile(config)}:mariadb.debezium.password}`, plain: 'a' })
  assert.ok(!Object.values(placeholders(config)).includes('s3cret'), 'no password is a placeholder')
})

test('an unknown placeholder is refused with its name', () => {
  assert.throws(() => resolvePlaceholders({ name: 'x', config: { a: '${NOPE}' } }, {}), (err: unknown) => err instanceof StackError && /\$\{NOPE\}/.test(err.message))
})

test('every connector file in connectors/ loads with no placeholder left', () => {
  const definitions = loadConnectorFiles(loadStackConfig({}))
  assert.ok(definitions.some(d => d.name === 'mysql-debezium-cdc-source-user'))
  for (const d of definitions) {
    assert.ok(d.config['connector.class'], `${d.name} names its class`)
    // Only the stack's ${UPPER_CASE} names are placeholders: Debezium's own ${routedByValue} stays for the EventRouter.
    assert.ok(!/\$\{[A-Z0-9_]+\}/.test(JSON.stringify(d.config)), `${d.name} has every placeholder filled`)
  }
})

// What the stand-ins below check the callers send: every call of Connect's REST API authenticates.
const AUTHORIZATION = 'Basic cmlwcGxlLWNsaTpzM2NyZXQ='
const target = (url: string) => ({ url, authorization: AUTHORIZATION })

test('no connector file overrides its Kafka clients\' settings: the workers allow none (connector.client.config.override.policy=None)', () => {
  for (const d of loadConnectorFiles(loadStackConfig({}))) {
    assert.deepEqual(Object.keys(d.config).filter(k => /^(producer|consumer|admin)\.override\./.test(k)), [], d.name)
  }
})

test('Connect\'s REST accounts: one per caller in a 0600 file, named by a 0600 JAAS file for the BasicAuth extension', () => {
  const config = loadStackConfig({ RIPPLE_HOME: mkdtempSync(join(tmpdir(), 'ripple-connect-auth-')) })
  writeConnectRestAuth(config)
  const credentials = connectCredentialsFile(config)
  for (const file of [credentials, connectJaasFile(config)]) assert.equal(statSync(file).mode & 0o777, 0o600, file)
  const lines = readFileSync(credentials, 'utf8').split('\n').filter(l => l && !l.startsWith('#'))
  assert.deepEqual(lines, [`ripple-cli=${config.secrets.connect.cli}`, `gateway=${config.secrets.connect.gateway}`, `console=${config.secrets.connect.console}`])
  assert.equal(new Set(Object.values(config.secrets.connect)).size, 3, 'each account has its own password')
  assert.equal(readFileSync(connectJaasFile(config), 'utf8'), `KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file="${credentials}";\n};\n`)
})

test('a 401 from Connect is its own error, naming the accounts file', async () => {
  const connect = createServer((_req, res) => { res.writeHead(401, { 'content-type': 'application/json' }).end('{"error_code":401,"message":"Unauthorized"}') })
  await new Promise<void>(resolve => connect.listen(0, '127.0.0.1', resolve))
  try {
    await assert.rejects(connectFetch(target(`http://127.0.0.1:${(connect.address() as AddressInfo).port}`), '/connectors'), (err: unknown) => err instanceof StackError && err.code === 'CONNECT_UNAUTHORIZED' && /connect-credentials\.properties/.test(err.message))
  } finally {
    connect.close()
  }
})

test('a failed connector or task is restarted once (failed ones only); a running one is left alone', async () => {
  const restarts: string[] = []
  let state = 'FAILED'
  // A stand-in for Connect's REST API: the two calls restartIfFailed makes.
  const connect = createServer((req, res) => {
    assert.equal(req.headers.authorization, AUTHORIZATION)
    if (req.method === 'POST') restarts.push(req.url ?? '')
    const body = req.method === 'POST' ? {} : { name: 'users', connector: { state: 'RUNNING' }, tasks: [{ id: 0, state, trace: 'Access denied for user' }] }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  await new Promise<void>(resolve => connect.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(connect.address() as AddressInfo).port}`
  try {
    assert.equal(await restartIfFailed(target(url), 'users'), true)
    assert.deepEqual(restarts, ['/connectors/users/restart?includeTasks=true&onlyFailed=true'])
    state = 'RUNNING'
    assert.equal(await restartIfFailed(target(url), 'users'), false)
    assert.equal(restarts.length, 1)
  } finally {
    connect.close()
  }
})

/** A stand-in for Connect's status endpoint: its task FAILED for the first `failedReads` reads, RUNNING after. */
async function connectFailingFor (failedReads: number): Promise<{ url: ConnectTarget, reads: () => number, close: () => void }> {
  let reads = 0
  const connect = createServer((req, res) => {
    assert.equal(req.headers.authorization, AUTHORIZATION)
    const state = reads++ < failedReads ? 'FAILED' : 'RUNNING'
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'jobs', connector: { state: 'RUNNING' }, tasks: [{ id: 0, state, trace: 'ON CONFLICT DO UPDATE command cannot affect row a second time' }] }))
  })
  await new Promise<void>(resolve => connect.listen(0, '127.0.0.1', resolve))
  return { url: target(`http://127.0.0.1:${(connect.address() as AddressInfo).port}`), reads: () => reads, close: () => connect.close() }
}

test('right after a restart, the failure Connect still reports is waited out; without a restart it stops the wait with its trace', async () => {
  const restarting = await connectFailingFor(2)
  try {
    const state = await waitForConnector(restarting.url, 'jobs', 10_000, { failedGraceMs: 5_000 })
    assert.equal(state.tasks[0]?.state, 'RUNNING')
    assert.equal(restarting.reads(), 3)
  } finally {
    restarting.close()
  }
  const failed = await connectFailingFor(2)
  try {
    await assert.rejects(waitForConnector(failed.url, 'jobs', 10_000), (err: unknown) => err instanceof StackError && err.code === 'CONNECTOR_FAILED' && /cannot affect row a second time/.test(err.message))
    assert.equal(failed.reads(), 1)
  } finally {
    failed.close()
  }
})

test('a task that stays FAILED after its restart is reported once the grace is over', async () => {
  const connect = await connectFailingFor(Number.POSITIVE_INFINITY)
  try {
    await assert.rejects(waitForConnector(connect.url, 'jobs', 10_000, { failedGraceMs: 600 }), (err: unknown) => err instanceof StackError && err.code === 'CONNECTOR_FAILED')
    assert.ok(connect.reads() >= 2, `read ${connect.reads()} times`)
  } finally {
    connect.close()
  }
})

// Debezium's own words when MariaDB purged the binlog file a connector was reading.
const PURGED = 'io.debezium.DebeziumException: The connector is trying to read binlog starting at SourceInfo [currentGtid=null, currentBinlogFilename=binlog.000003, currentBinlogPosition=4], but this is no longer available on the server. Reconfigure the connector to use a snapshot when needed.'

test('a source that lost its place in the log is told apart, and waiting for it names the way out', async () => {
  assert.equal(sourcePositionLost(PURGED), true)
  assert.equal(sourcePositionLost('ERROR: replication slot "carga_tabela" does not exist'), true)
  // MariaDB by GTID, as the stack's connectors read it (seen on this stack after a PURGE BINARY LOGS).
  assert.equal(sourcePositionLost('io.debezium.DebeziumException: Could not find GTID state requested by slave in any binlog files. Probably the slave state is too old and required binlog files have been purged. Error code: 1236; SQLSTATE: HY000.'), true)
  assert.equal(sourcePositionLost('Access denied for user'), false)
  const connect = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'users', connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: 'FAILED', trace: PURGED }] }))
  })
  await new Promise<void>(resolve => connect.listen(0, '127.0.0.1', resolve))
  try {
    await assert.rejects(waitForConnector(target(`http://127.0.0.1:${(connect.address() as AddressInfo).port}`), 'users', 5_000),
      (err: StackError) => err.code === 'SOURCE_POSITION_LOST' && /\.\/ripple kafka connector resnapshot users/.test(err.message))
  } finally {
    connect.close()
  }
})

test('a source that lost its place in the log is not restarted: up stops at once and names resnapshot', async () => {
  const restarts: string[] = []
  const connect = createServer((req, res) => {
    if (req.method === 'POST') restarts.push(req.url ?? '')
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'users', connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: 'FAILED', trace: PURGED }] }))
  })
  await new Promise<void>(resolve => connect.listen(0, '127.0.0.1', resolve))
  try {
    await assert.rejects(restartIfFailed(target(`http://127.0.0.1:${(connect.address() as AddressInfo).port}`), 'users'),
      (err: StackError) => err.code === 'SOURCE_POSITION_LOST' && /\.\/ripple kafka connector resnapshot users/.test(err.message))
    assert.deepEqual(restarts, [], 'no restart asked for')
  } finally {
    connect.close()
  }
})

test('resnapshot stops the connector, deletes its offsets once it is STOPPED, then resumes it', async () => {
  const calls: string[] = []
  let state = 'RUNNING'
  let statusReads = 0
  const connect = createServer((req, res) => {
    assert.equal(req.headers.authorization, AUTHORIZATION)
    const call = `${req.method} ${req.url}`
    if (req.method !== 'GET') calls.push(call)
    if (call === 'PUT /connectors/users/stop') state = 'STOPPING'
    if (call === 'GET /connectors/users/status' && state === 'STOPPING' && ++statusReads > 1) state = 'STOPPED'
    if (call === 'DELETE /connectors/users/offsets') assert.equal(state, 'STOPPED', 'offsets deleted only once stopped')
    if (call === 'PUT /connectors/users/resume') state = 'RUNNING'
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'users', connector: { state }, tasks: [] }))
  })
  await new Promise<void>(resolve => connect.listen(0, '127.0.0.1', resolve))
  try {
    const after = await controlConnector(target(`http://127.0.0.1:${(connect.address() as AddressInfo).port}`), 'users', 'resnapshot')
    assert.deepEqual(calls, ['PUT /connectors/users/stop', 'DELETE /connectors/users/offsets', 'PUT /connectors/users/resume'])
    assert.equal(after?.state, 'RUNNING')
  } finally {
    connect.close()
  }
})
