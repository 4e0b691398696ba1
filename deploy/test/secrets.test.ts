import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { Secret } from 'kubernetes-models/v1'
import { parseAllDocuments } from 'yaml'
import { writeSecrets } from '../src/generate.ts'
import { CONNECT_SECRET, CONNECT_SECRET_KEY, SECRET } from '../src/k8s.ts'
import { connectSecretVariables, deploymentConfig } from '../src/sources.ts'
import { k8sObjects } from './manifests.ts'

const config = deploymentConfig()

function withSecrets (work: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ripple-deploy-secrets-'))
    try {
      await writeSecrets(dir)
      await work(dir)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

const envOf = (dir: string): Record<string, string> => Object.fromEntries(readFileSync(join(dir, 'compose', '.env'), 'utf8').split('\n').filter(l => /^[A-Z0-9_]+=/.test(l)).map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))

test('generate.ts secrets: every variable compose.yaml names, fresh and random, in a file only its owner reads', withSecrets(async dir => {
  const env = envOf(dir)
  const compose = readFileSync(new URL('../compose/compose.yaml', import.meta.url), 'utf8')
  for (const [, variable] of compose.matchAll(/\$\{([A-Z0-9_]+):\?/g)) assert.ok(env[variable!], `.env sets ${variable}`)
  const values = Object.entries(env).filter(([k]) => k !== 'RIPPLE_OPERATOR_KEY_SHA256' && k !== 'KAFKA_CLUSTER_ID').map(([, v]) => v)
  assert.equal(new Set(values).size, values.length, 'no two secrets alike')
  for (const v of values) assert.ok(v.length >= 32)
  assert.match(env.KAFKA_CLUSTER_ID!, /^[A-Za-z0-9][A-Za-z0-9_-]{21}$/)
  assert.equal(statSync(join(dir, 'compose', '.env')).mode & 0o777, 0o600)
  assert.equal(statSync(join(dir, 'compose', 'secrets')).mode & 0o777, 0o700)
  // Connect's file holds each key a connector names, with the password of its account.
  const props = readFileSync(join(dir, 'compose', 'secrets', 'connect-secrets.properties'), 'utf8')
  for (const [key, variable] of Object.entries(connectSecretVariables(config))) assert.ok(props.includes(`${key}=${env[variable]}\n`), key)
}))

test('generate.ts secrets: valid Secret objects holding every key the manifests reference, the same values as .env; a second run keeps them', withSecrets(async dir => {
  const secrets = parseAllDocuments(readFileSync(join(dir, 'k8s', 'secrets', 'secrets.yaml'), 'utf8')).map(d => d.toJS() as { metadata: { name: string }, stringData: Record<string, string> })
  for (const s of secrets) new Secret(s as never).validate()
  const main = secrets.find(s => s.metadata.name === SECRET)
  const connect = secrets.find(s => s.metadata.name === CONNECT_SECRET)
  assert.ok(main && connect)
  const env = envOf(dir)
  const referenced = [...JSON.stringify(k8sObjects().map(o => o.object)).matchAll(/"secretKeyRef":\{"name":"[^"]+","key":"([^"]+)"\}/g)].map(m => m[1]!)
  for (const key of referenced) assert.equal(main.stringData[key], env[key], key)
  assert.equal(connect.stringData[CONNECT_SECRET_KEY], readFileSync(join(dir, 'compose', 'secrets', 'connect-secrets.properties'), 'utf8'))
  await writeSecrets(dir)
  assert.deepEqual(envOf(dir), env)
}))
