import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadStackConfig } from '../src/config.ts'
import { connectSecretsFile, loadConnectorFiles, placeholders, resolvePlaceholders } from '../src/connectors.ts'
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
