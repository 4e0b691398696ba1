import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { execa } from 'execa'
import { loadStackConfig } from '@ripple/stack'

const ripple = join(loadStackConfig().repoRoot, 'ripple')

interface Row { name: string, pid: number | null, address: string, healthy: boolean, reason?: string }
const statusJson = async () => JSON.parse((await execa(ripple, ['status', '--json'])).stdout) as Row[]

test('status --json reports every component and service healthy, with pid and address', async () => {
  const rows = await statusJson()
  const names = rows.map(r => r.name)
  for (const name of ['kafka', 'connect', 'mariadb', 'postgres', 'smtp', 'clickhouse', 'prometheus', 'user-service', 'notification-service']) assert.ok(names.includes(name), name)
  for (const r of rows) {
    assert.equal(r.healthy, true, `${r.name}: ${r.reason ?? ''}`)
    assert.ok(Number.isInteger(r.pid), `${r.name} has a pid`)
    assert.match(r.address, /127\.0\.0\.1:\d+/)
  }
})

test('up again while all is up changes nothing', async () => {
  const before = await statusJson()
  const again = await execa(ripple, ['up'], { all: true })
  assert.equal(again.exitCode, 0)
  assert.doesNotMatch(again.all ?? '', /started /, 'nothing was started')
  assert.deepEqual((await statusJson()).map(r => [r.name, r.pid]), before.map(r => [r.name, r.pid]))
})

test('logs prints a component\'s log, and an unknown name gets one sentence', async () => {
  const kafkaLog = await execa(ripple, ['logs', 'kafka', '-n', '50'])
  assert.match(kafkaLog.stdout, /\] (INFO|WARN)/)
  const unknown = await execa(ripple, ['logs', 'nope'], { reject: false })
  assert.equal(unknown.exitCode, 1)
  assert.match(unknown.stderr, /No log for "nope".*name one of .*kafka/)
})

test('connectors --json shows the user connector and its task running', async () => {
  const states = JSON.parse((await execa(ripple, ['kafka', 'connectors', '--json'])).stdout) as { name: string, state: string, tasks: { state: string }[] }[]
  const user = states.find(s => s.name === 'mysql-debezium-cdc-source-user')
  assert.equal(user?.state, 'RUNNING')
  assert.deepEqual(user?.tasks.map(t => t.state), ['RUNNING'])
})
