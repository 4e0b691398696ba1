import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { createLogger } from '../../src/logging/logger.ts'

/** A logger writing into an array of parsed lines. */
function capture () {
  const lines: string[] = []
  const destination = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(chunk.toString('utf8')); done() } })
  return { logger: createLogger('test', 'info', destination), lines }
}

const HASH = 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0$ZmFrZWhhc2hmYWtlaGFzaGZha2VoYXNo'

/** What mysql2 throws when the server refuses a statement: the statement, values inlined, in err.sql. */
function mysql2Error (): Error {
  const err = new Error('Duplicate entry \'alice@example.com\' for key \'email\'') as Error & Record<string, unknown>
  Object.assign(err, {
    code: 'ER_DUP_ENTRY',
    errno: 1062,
    sqlState: '23000',
    sqlMessage: 'Duplicate entry \'alice@example.com\' for key \'email\'',
    sql: `INSERT INTO users (id, username, email, password) VALUES (X'00', 'alice', 'alice@example.com', '${HASH}')`,
    values: ['alice', 'alice@example.com', HASH]
  })
  return err
}

test('a mysql2 error is logged without its statement, bound values or the value of the key it hit', () => {
  const { logger, lines } = capture()
  logger.error({ err: mysql2Error() }, 'insert failed')
  logger.error(mysql2Error())
  logger.warn({ err: new Error('wrapped', { cause: mysql2Error() }) }, 'with a cause')
  assert.equal(lines.length, 3)
  for (const line of lines) {
    assert.ok(!line.includes(HASH), line)
    assert.ok(!line.includes('alice@example.com'), line)
    assert.ok(!line.includes('INSERT INTO'), line)
  }
  const first = JSON.parse(lines[0]!) as { err: Record<string, unknown> }
  // What helps to find the fault stays.
  assert.equal(first.err.code, 'ER_DUP_ENTRY')
  assert.equal(first.err.errno, 1062)
  assert.equal(first.err.sqlState, '23000')
  assert.match(String(first.err.message), /Duplicate entry '\[redacted\]' for key 'email'/)
  assert.equal(first.err.sql, undefined)
  assert.equal(first.err.values, undefined)
})

test('password, hash, token and authorization fields are redacted at any depth a log line has', () => {
  const { logger, lines } = capture()
  const secret = 'S3cret-value-that-must-not-leak'
  logger.info({
    password: secret,
    body: { currentPassword: secret, user: { passwordHash: secret, profile: { accessToken: secret } } },
    req: { headers: { authorization: `Bearer ${secret}` } },
    token: secret
  }, 'request')
  logger.error({ err: Object.assign(new Error('failed'), { details: { password: secret, nested: { token: secret } } }) }, 'with fields')
  for (const line of lines) assert.ok(!line.includes(secret), line)
  const first = JSON.parse(lines[0]!) as { password: string, body: { currentPassword: string } }
  assert.equal(first.password, '[redacted]')
  assert.equal(first.body.currentPassword, '[redacted]')
})
