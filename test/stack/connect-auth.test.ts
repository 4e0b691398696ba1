// Kafka Connect's REST API on the running stack: every worker asks every caller for HTTP Basic
// credentials (BasicAuthSecurityRestExtension), each caller has its own account, and no connector
// may override its Kafka clients' settings (connector.client.config.override.policy=None).
import assert from 'node:assert/strict'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { execa } from 'execa'
import { basicAuthorization, endpoints, loadStackConfig } from '@ripple/stack'
import { connectFetch } from '@ripple/operations'
import { unique } from '@ripple/testing'
import { connectTarget } from '@ripple/stack'

const config = loadStackConfig()
const ep = endpoints(config)

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(10_000) })

test('every worker answers 401 without credentials, with a wrong password and for an unknown account', async () => {
  for (const url of ep.connectUrls) {
    for (const path of ['/', '/connectors', '/connector-plugins', '/connectors/postgres-connector/config']) {
      assert.equal((await get(`${url}${path}`)).status, 401, `${url}${path} without credentials`)
    }
    assert.equal((await get(`${url}/connectors`, { authorization: basicAuthorization('ripple-cli', `${config.secrets.connect.cli}x`) })).status, 401, 'a wrong password')
    assert.equal((await get(`${url}/connectors`, { authorization: basicAuthorization('gateway', config.secrets.connect.console) })).status, 401, 'another account\'s password')
    assert.equal((await get(`${url}/connectors`, { authorization: basicAuthorization('admin', config.secrets.connect.cli) })).status, 401, 'an unknown account')
  }
})

test('the CLI\'s, the gateway\'s and the console\'s accounts each pass', async () => {
  for (const account of ['cli', 'gateway', 'console'] as const) {
    for (const url of ep.connectUrls) {
      const res = await connectFetch(connectTarget(config, account, url), '/connectors')
      assert.equal(res.status, 200, `${account} at ${url}`)
      assert.ok(Array.isArray(await res.json()))
    }
  }
})

test('a connector that overrides a client setting is refused, naming the policy', async () => {
  const name = unique('it-override-')
  const res = await connectFetch(ep.connect, `/connectors/${name}/config`, {
    method: 'PUT',
    body: JSON.stringify({
      'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
      'tasks.max': '1',
      topics: unique('it.override.'),
      'connection.url': `jdbc:postgresql://${config.host}:${config.ports.postgres}/jobs`,
      'consumer.override.max.poll.records': '1'
    })
  })
  const body = await res.json() as { error_code: number, message: string }
  assert.equal(res.status, 400, JSON.stringify(body))
  assert.equal(body.error_code, 400)
  assert.match(body.message, /'None' policy does not allow 'max\.poll\.records' to be overridden/)
  assert.equal((await connectFetch(ep.connect, `/connectors/${name}`)).status, 404, 'nothing was created')
})

test('the accounts are in 0600 files; the workers\' command line names the JAAS file only', async () => {
  const jaas = join(config.paths.conf, 'connect-jaas.conf')
  for (const file of [jaas, join(config.paths.conf, 'connect-credentials.properties')]) assert.equal(statSync(file).mode & 0o777, 0o600, file)
  const passwords = Object.values(config.secrets.connect)
  const { stdout } = await execa('ps', ['-eo', 'args'])
  const workers = stdout.split('\n').filter(l => l.includes('ConnectDistributed') && l.includes(config.paths.conf))
  assert.equal(workers.length, config.connectWorkers.length, 'every worker runs')
  for (const line of workers) {
    assert.ok(line.includes(`-Djava.security.auth.login.config=${jaas}`))
    for (const p of passwords) assert.ok(!line.includes(p), 'no password on a command line')
  }
  const properties = readFileSync(join(config.paths.conf, 'connect-distributed.properties'), 'utf8')
  assert.match(properties, /^connector\.client\.config\.override\.policy=None$/m)
  assert.match(properties, /^rest\.extension\.classes=org\.apache\.kafka\.connect\.rest\.basic\.auth\.extension\.BasicAuthSecurityRestExtension$/m)
  for (const p of passwords) assert.ok(!properties.includes(p))
  const haproxy = readFileSync(join(config.paths.conf, 'haproxy.cfg'), 'utf8')
  for (const p of passwords) assert.ok(!haproxy.includes(p), 'haproxy.cfg holds no Connect password')
})
