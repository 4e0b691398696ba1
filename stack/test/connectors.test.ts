import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { loadStackConfig } from '../src/config.ts'
import { connectSecretsFile, loadConnectorFiles, placeholders, resolvePlaceholders, restartIfFailed } from '../src/connectors.ts'
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

test('a failed connector or task is restarted once (failed ones only); a running one is left alone', async () => {
  const restarts: string[] = []
  let state = 'FAILED'
  // A stand-in for Connect's REST API: the two calls restartIfFailed makes.
  const connect = createServer((req, res) => {
    if (req.method === 'POST') restarts.push(req.url ?? '')
    const body = req.method === 'POST' ? {} : { name: 'users', connector: { state: 'RUNNING' }, tasks: [{ id: 0, state, trace: 'Access denied for user' }] }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  await new Promise<void>(resolve => connect.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(connect.address() as AddressInfo).port}`
  try {
    assert.equal(await restartIfFailed(url, 'users'), true)
    assert.deepEqual(restarts, ['/connectors/users/restart?includeTasks=true&onlyFailed=true'])
    state = 'RUNNING'
    assert.equal(await restartIfFailed(url, 'users'), false)
    assert.equal(restarts.length, 1)
  } finally {
    connect.close()
  }
})
