import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { generatedFiles, refuseSecretValues, staleFiles } from '../src/generate.ts'
import { deploymentConfig } from '../src/sources.ts'
import { splitEnv } from '../src/target.ts'
import { deployDir } from './manifests.ts'

test('the committed manifests are what the generator writes from the stack today (node deploy/src/generate.ts --check)', async () => {
  assert.deepEqual(await staleFiles(), [], 'run node deploy/src/generate.ts and commit the result')
})

test('the check names a file that differs from what the generator writes', async () => {
  // A copy of deploy/ in memory: one file changed, one left over in a generated folder.
  const files = await generatedFiles()
  const dir = mkdtempSync(join(tmpdir(), 'ripple-deploy-check-'))
  try {
    for (const f of files) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true })
      writeFileSync(join(dir, f.path), f.path === 'k8s/topics.yaml' ? f.text.replace('replicas: 3', 'replicas: 1') : f.text)
    }
    writeFileSync(join(dir, 'compose', 'connectors', 'gone.json'), '{}')
    assert.deepEqual((await staleFiles(dir)).sort(), ['compose/connectors/gone.json', 'k8s/topics.yaml'])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('no secret reaches a generated file: each is a reference to a variable, and a value would stop the generator', async () => {
  const config = deploymentConfig()
  // The markers stand in for every password and key: none may survive into a file.
  for (const f of await generatedFiles()) {
    assert.doesNotMatch(f.text, /@@[A-Z0-9_]+@@/, `deploy/${f.path}`)
    assert.equal(readFileSync(join(deployDir, f.path), 'utf8'), f.text)
  }
  const split = splitEnv(config, { MARIADB_PASSWORD: config.secrets.mariadbPassword, MARIADB_HOST: 'mariadb' })
  assert.deepEqual(split, { plain: { MARIADB_HOST: 'mariadb' }, secret: { MARIADB_PASSWORD: 'RIPPLE_MARIADB_PASSWORD' } })
  assert.throws(() => splitEnv(config, { KAFKA_BROKERS: `${config.host}:9092` }), /names the stack's own host/)
})

test('the generator stops on a file that would hold a secret\'s value, naming the file and the secret', () => {
  const config = deploymentConfig()
  // deploymentConfig() puts a marker where each secret's value would be: one left in a file is a leak.
  const leaked = `MARIADB_PASSWORD=${config.secrets.mariadbPassword}\n`
  assert.throws(() => refuseSecretValues([{ path: 'compose/leak.env', text: leaked }]), /deploy\/compose\/leak\.env would hold a secret's value \(@@[A-Z0-9_]+@@\): reference it instead/)
  assert.doesNotThrow(() => refuseSecretValues([{ path: 'compose/ok.env', text: 'MARIADB_PASSWORD=${RIPPLE_MARIADB_PASSWORD}\n' }]))
})
