import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { loadStackConfig, servicePort } from '../src/config.ts'
import { StackError } from '../src/errors.ts'
import { readServiceRegistry } from '../src/registry.ts'

const roots: string[] = []
after(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }) })

function repoWith (services: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), 'ripple-registry-'))
  roots.push(root)
  for (const [name, ripple] of Object.entries(services)) {
    mkdirSync(join(root, 'services', name), { recursive: true })
    writeFileSync(join(root, 'services', name, 'package.json'), JSON.stringify({ name: `@ripple/${name}`, ...(ripple === undefined ? {} : { ripple }) }))
  }
  return root
}

test('the services run in the order of their "order" numbers; a folder without a "ripple" field is not run', () => {
  const root = repoWith({
    alpha: { port: 8101, portVariable: 'RIPPLE_ALPHA_PORT', after: 'connectors', order: 20 },
    beta: { port: 8102, portVariable: 'RIPPLE_BETA_PORT', order: 10, secrets: ['JWT_PRIVATE_KEY'] },
    gamma: { port: 8103, portVariable: 'RIPPLE_GAMMA_PORT', order: 30, publicKeys: ['JWT_PUBLIC_KEY'], kafka: { consumes: ['cdc.table.userdata.users'], groups: ['gamma.revocations'] } },
    library: undefined
  })
  assert.deepEqual(readServiceRegistry(root), [
    { name: 'beta', port: 8102, portVariable: 'RIPPLE_BETA_PORT', order: 10, secrets: ['JWT_PRIVATE_KEY'], publicKeys: [] },
    { name: 'alpha', port: 8101, portVariable: 'RIPPLE_ALPHA_PORT', after: 'connectors', order: 20, secrets: [], publicKeys: [] },
    {
      name: 'gamma', port: 8103, portVariable: 'RIPPLE_GAMMA_PORT', order: 30, secrets: [], publicKeys: ['JWT_PUBLIC_KEY'],
      kafka: { consumes: ['cdc.table.userdata.users'], produces: [], groups: ['gamma.revocations'] }
    }
  ])
})

test('a malformed "ripple" field or two services on one port stop with a sentence naming the file', () => {
  const bad = repoWith({ alpha: { port: 'eighty', portVariable: 'RIPPLE_ALPHA_PORT', order: 1 } })
  assert.throws(() => readServiceRegistry(bad), (err: unknown) => err instanceof StackError && err.code === 'INVALID_SERVICE' && /services\/alpha\/package\.json.*port/.test(err.message))
  const clash = repoWith({ alpha: { port: 8101, portVariable: 'RIPPLE_ALPHA_PORT', order: 1 }, beta: { port: 8101, portVariable: 'RIPPLE_BETA_PORT', order: 2 } })
  assert.throws(() => readServiceRegistry(clash), /alpha and beta both name port 8101/)
  const unknownSecret = repoWith({ alpha: { port: 8101, portVariable: 'RIPPLE_ALPHA_PORT', order: 1, secrets: ['ROOT_PASSWORD'] } })
  assert.throws(() => readServiceRegistry(unknownSecret), (err: unknown) => err instanceof StackError && /secrets/.test(err.message))
})

test('this repository registers today\'s services in today\'s start order, the connectors\' readers after them', () => {
  const config = loadStackConfig({})
  assert.deepEqual(config.services.map(s => [s.name, s.port, s.afterConnectors]), [
    ['user-service', 8085, false], ['notification-service', 8086, true], ['post-service', 8081, false], ['subscribe-service', 8082, true],
    ['receiver', 8001, false], ['carga-service', 8010, false], ['sync-service', 8011, false],
    ['processor', 8002, true], ['converter', 8003, true], ['informer', 8004, true]
  ])
  assert.equal(config.ports.userService, 8085)
  assert.equal(servicePort(config, 'informer'), 8004)
})

test('a service\'s port moves by its own variable, validated like the stack\'s', () => {
  const config = loadStackConfig({ RIPPLE_CONVERTER_PORT: '18003' })
  assert.equal(servicePort(config, 'converter'), 18003)
  assert.equal(config.ports.converter, 18003)
  assert.throws(() => loadStackConfig({ RIPPLE_INFORMER_PORT: 'x' }), (err: unknown) => err instanceof StackError && err.code === 'INVALID_ENV' && /RIPPLE_INFORMER_PORT/.test(err.message))
  assert.throws(() => servicePort(config, 'nope'), /no service "nope"/)
})
