import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadStackConfig } from '../src/config.ts'
import { connectCredentialsFile, connectJaasFile, connectSecretsFile, loadConnectorFiles, placeholders, resolvePlaceholders, writeConnectRestAuth } from '../src/connectors.ts'
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
