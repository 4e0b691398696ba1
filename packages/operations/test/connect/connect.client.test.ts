// Kafka Connect's REST client against stand-ins of Connect's API.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { connectFetch, controlConnector, restartIfFailed, sourcePositionLost, waitForConnector } from '../../src/connect/connect.client.ts'
import type { ConnectTarget } from '../../src/connect/connect.client.ts'
import { OperationError } from '../../src/errors.ts'

// What the stand-ins below check the callers send: every call of Connect's REST API authenticates.
const AUTHORIZATION = 'Basic cmlwcGxlLWNsaTpzM2NyZXQ='
const target = (url: string) => ({ url, authorization: AUTHORIZATION })

test('a 401 from Connect is its own error, naming the accounts file', async () => {
  const connect = createServer((_req, res) => { res.writeHead(401, { 'content-type': 'application/json' }).end('{"error_code":401,"message":"Unauthorized"}') })
  await new Promise<void>(resolve => connect.listen(0, '127.0.0.1', resolve))
  try {
    await assert.rejects(connectFetch(target(`http://127.0.0.1:${(connect.address() as AddressInfo).port}`), '/connectors'), (err: unknown) => err instanceof OperationError && err.code === 'CONNECT_UNAUTHORIZED' && /connect-credentials\.properties/.test(err.message))
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
    await assert.rejects(waitForConnector(failed.url, 'jobs', 10_000), (err: unknown) => err instanceof OperationError && err.code === 'CONNECTOR_FAILED' && /cannot affect row a second time/.test(err.message))
    assert.equal(failed.reads(), 1)
  } finally {
    failed.close()
  }
})

test('a task that stays FAILED after its restart is reported once the grace is over', async () => {
  const connect = await connectFailingFor(Number.POSITIVE_INFINITY)
  try {
    await assert.rejects(waitForConnector(connect.url, 'jobs', 10_000, { failedGraceMs: 600 }), (err: unknown) => err instanceof OperationError && err.code === 'CONNECTOR_FAILED')
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
      (err: OperationError) => err.code === 'SOURCE_POSITION_LOST' && /\.\/ripple kafka connector resnapshot users/.test(err.message))
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
      (err: OperationError) => err.code === 'SOURCE_POSITION_LOST' && /\.\/ripple kafka connector resnapshot users/.test(err.message))
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
