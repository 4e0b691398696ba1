// The service's own logs never carry a password hash, even when MariaDB refuses a statement that
// holds one: mysql2's errors carry the statement with its bound values (`err.sql`). The real
// service runs as a child process (its logger writes to stdout) on a scratch database whose
// fullName column was narrowed, so a sign-up that passes validation fails at the INSERT.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { callJson, eventually, testConfig } from '@ripple/testing'
import mysql from 'mysql2/promise'
import { migrate, USER_DB_OPTIONS } from '../../src/adapters/mariadb.migrations.ts'
import { userServiceConfigSchema } from '../../src/config.ts'

const database = `userdata_test_${randomBytes(4).toString('hex')}`
const config = testConfig(userServiceConfigSchema, { MARIADB_DATABASE: database })
const server = { host: config.MARIADB_HOST, port: config.MARIADB_PORT, user: config.MARIADB_USER, password: config.MARIADB_PASSWORD }

describe('user-service logs of a failed INSERT', () => {
  let child: ChildProcess | undefined
  let output = ''
  let url: string

  before(async () => {
    await migrate({ ...server, database, options: USER_DB_OPTIONS })
    const db = await mysql.createConnection({ ...server, database })
    await db.query('ALTER TABLE users MODIFY fullName VARCHAR(3)')
    await db.end()

    child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'src', 'main.ts')], {
      env: { ...process.env, MARIADB_DATABASE: database, PORT: '0', LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
    url = await eventually(() => {
      const started = output.split('\n').map(line => { try { return JSON.parse(line) } catch { return undefined } })
        .find(entry => entry?.msg === 'user-service started')
      assert.ok(started?.url, `not started yet: ${output.slice(-500)}`)
      return started.url as string
    }, 30_000)
  })

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    }
    const db = await mysql.createConnection(server)
    await db.query(`DROP DATABASE IF EXISTS \`${database}\``)
    await db.end()
  })

  it('answers 500 and logs the failure without the statement, its values or the hash', async () => {
    const password = `secret-${randomBytes(6).toString('hex')}`
    const res = await callJson(`${url}/users`, 'POST', { username: `log-${randomBytes(3).toString('hex')}`, email: `log-${randomBytes(3).toString('hex')}@example.com`, password, fullName: 'Too long for three' })
    assert.equal(res.status, 500, JSON.stringify(res.body))
    assert.deepEqual(res.body, { error: 'INTERNAL', message: 'internal error' })

    const failure = await eventually(() => {
      const line = output.split('\n').find(l => l.includes('request failed'))
      assert.ok(line, `no "request failed" line yet: ${output.slice(-1000)}`)
      return line
    }, 10_000)
    assert.match(failure, /ER_DATA_TOO_LONG/)
    assert.doesNotMatch(output, /scrypt\$/, 'no password hash in the logs')
    assert.ok(!output.includes(password), 'no password in the logs')
    assert.doesNotMatch(output, /INSERT INTO/i, 'no SQL statement in the logs')
  })
})
