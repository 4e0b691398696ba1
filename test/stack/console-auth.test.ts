import assert from 'node:assert/strict'
import { request } from 'node:http'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, test } from 'node:test'
import { execa } from 'execa'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { createLogger, createMetrics } from '@ripple/kit'
import { consoleReads, endpoints, loadStackConfig } from '@ripple/stack'
import type { StackConfig } from '@ripple/stack'
import { deleteTopics, signInToConsole, unique } from '@ripple/testing'
import { describeGroup } from '@ripple/operations'
import { createConsole } from '@ripple/console'

// The console's doors on the real stack: the console `./ripple up` runs, and consoles of the
// test's own (port 0, the same code) where a setting must differ: a shorter session, another Host name.
const config = loadStackConfig()
const ep = endpoints(config)
const stackConsole = ep.consoleUrl
const operatorKey = config.secrets.generated.OPERATOR_KEY
const ripple = join(config.repoRoot, 'ripple')
const kafka = (args: string[], input?: string) => execa(ripple, ['kafka', ...args], input === undefined ? {} : { input })

interface Answer { status: number, headers: Record<string, string | string[] | undefined>, text: string, json: () => Record<string, unknown> }

/** One HTTP request with exactly these headers (fetch would not send another Host). */
function send (url: string, options: { method?: string, headers?: Record<string, string>, body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, res => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { text += c })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> }))
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

const JSON_ACCEPT = { accept: 'application/json' }
const HTML_ACCEPT = { accept: 'text/html,application/xhtml+xml' }
const json = (body: unknown) => ({ 'content-type': 'application/json', ...JSON_ACCEPT, body: JSON.stringify(body) })
const post = (url: string, body: unknown, headers: Record<string, string> = {}) => {
  const { body: text, ...h } = json(body)
  return send(url, { method: 'POST', headers: { ...h, ...headers }, body: text })
}

function assertRefused (answer: Answer, status: number, error: string, field: string): void {
  assert.equal(answer.status, status, answer.text)
  const body = answer.json()
  assert.equal(body.error, error, answer.text)
  assert.equal(body.field, field, answer.text)
}

type OwnConsole = ReturnType<typeof createConsole> & { url: string }
const consoles: OwnConsole[] = []
async function ownConsole (sessions: { idleMs: number, maxMs: number }, hosts: string[] = []): Promise<OwnConsole> {
  const own: StackConfig = { ...config, console: { ...config.console, hosts } }
  const web = createConsole({ config: own, logger: createLogger('console-auth-test', 'silent'), metrics: createMetrics('console-auth-test'), operatorKey, sessions })
  const url = await web.start(0, '127.0.0.1')
  const started = { ...web, url }
  consoles.push(started)
  return started
}
after(async () => { for (const c of consoles) await c.stop() })

/** A path of a route, its parameters filled in (the gate answers before any handler reads them). */
const pathOf = (url: string): string => url.replace(/:(\w+)/g, (_, name: string) => `it-${name}`)

describe('every page and API needs the sign-in', () => {
  let own: OwnConsole
  before(async () => { own = await ownConsole({ idleMs: 60_000, maxMs: 600_000 }) })
  // Only these answer without a session: the sign-in and the health probe.
  const open = new Set(['GET /login', 'HEAD /login', 'POST /login', 'GET /health', 'HEAD /health'])

  test('the route table holds every page, read and write, and each one without a session is 401 JSON or the sign-in page', async () => {
    const routes = own.routes().filter(r => !open.has(`${r.method} ${r.url}`))
    const keys = new Set(routes.map(r => `${r.method} ${r.url}`))
    for (const expected of ['GET /', 'GET /topics', 'GET /topics/:topic', 'GET /groups', 'GET /groups/:group', 'GET /connectors', 'GET /connectors/:name',
      'GET /dlq', 'GET /dlq/:topic', 'GET /mail', 'GET /trace', 'GET /metrics', 'GET /session',
      'POST /groups/:group/reset', 'POST /connectors/:name/:action', 'POST /dlq/:topic/replay', 'POST /logout']) {
      assert.ok(keys.has(expected), `${expected} is in the console's route table`)
    }
    // The console `./ripple up` runs and the test's own answer alike.
    for (const base of [stackConsole, own.url]) {
      for (const r of routes) {
        const path = pathOf(r.url)
        const body = r.method === 'GET' || r.method === 'HEAD' ? {} : { body: '{}' }
        const asScript = await send(`${base}${path}`, { method: r.method, headers: { ...JSON_ACCEPT, ...(body.body ? { 'content-type': 'application/json' } : {}) }, ...body })
        assert.equal(asScript.status, 401, `${r.method} ${path} on ${base} without a session: ${asScript.text}`)
        if (r.method !== 'HEAD') assert.deepEqual([asScript.json().error, asScript.json().field], ['SIGN_IN_REQUIRED', 'session'], `${r.method} ${path}`)
        const asPerson = await send(`${base}${path}`, { method: r.method, headers: HTML_ACCEPT })
        assert.equal(asPerson.status, 303, `${r.method} ${path} from a browser without a session`)
        assert.equal(asPerson.headers.location, `/login?next=${encodeURIComponent(path)}`)
      }
      // A path no route has is no way around it either.
      assert.equal((await send(`${base}/no-such-page`, { headers: JSON_ACCEPT })).status, 401)
    }
  })

  test('the health probe stays open and tells nothing but ok; /metrics needs the sign-in (nothing scrapes the console)', async () => {
    const health = await send(`${stackConsole}/health`)
    assert.equal(health.status, 200)
    assert.deepEqual(health.json(), { status: 'ok', reasons: [] })
    assertRefused(await send(`${stackConsole}/metrics`, { headers: JSON_ACCEPT }), 401, 'SIGN_IN_REQUIRED', 'session')
    const session = await signInToConsole(stackConsole, operatorKey)
    const metrics = await send(`${stackConsole}/metrics`, { headers: { cookie: session.cookie } })
    assert.equal(metrics.status, 200)
    assert.match(metrics.text, /ripple_http_requests_total/)
  })

  test('the sign-in page leads back to the page asked for, never to another site', async () => {
    const signIn = (next: string) => send(`${stackConsole}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...HTML_ACCEPT }, body: new URLSearchParams({ key: operatorKey, next }).toString() })
    const back = await signIn('/topics?x=1')
    assert.equal(back.status, 303)
    assert.equal(back.headers.location, '/topics?x=1')
    for (const elsewhere of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const refused = await signIn(elsewhere)
      assert.equal(refused.status, 400, elsewhere)
      assert.match(refused.text, /next/)
    }
  })
})

describe('only the configured Host names', () => {
  test('a foreign Host gets 421 on every route, the sign-in with the right key included; 127.0.0.1 and localhost pass', async () => {
    const port = new URL(stackConsole).port
    const own = await ownConsole({ idleMs: 60_000, maxMs: 600_000 })
    const paths = own.routes().filter(r => r.method === 'GET' && r.url !== '/health').map(r => pathOf(r.url))
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`, `localhost:${Number(port) + 1}`]) {
      for (const path of paths) {
        assertRefused(await send(`${stackConsole}${path}`, { headers: { host, ...JSON_ACCEPT } }), 421, 'MISDIRECTED_REQUEST', 'host')
      }
      // The one exception, Kubernetes' probe (Host: the pod's IP), tells nothing but ok.
      const health = await send(`${stackConsole}/health`, { headers: { host } })
      assert.deepEqual([health.status, health.json()], [200, { status: 'ok', reasons: [] }])
      const signIn = await send(`${stackConsole}/login`, { method: 'POST', headers: { host, 'content-type': 'application/json', ...JSON_ACCEPT }, body: JSON.stringify({ key: operatorKey }) })
      assert.equal(signIn.status, 421)
      assert.equal(signIn.headers['set-cookie'], undefined, 'no session for a foreign Host')
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      assert.equal((await send(`${stackConsole}/topics`, { headers: { host, ...JSON_ACCEPT } })).status, 401, `${host}: past the Host check, to the sign-in`)
    }
  })

  test('RIPPLE_CONSOLE_HOSTS adds a name (on the console\'s port unless it names one)', async () => {
    const own = await ownConsole({ idleMs: 60_000, maxMs: 600_000 }, ['console.internal', 'ops.example:8443'])
    const port = new URL(own.url).port
    const at = (host: string) => send(`${own.url}/topics`, { headers: { host, ...JSON_ACCEPT } })
    assert.equal((await at(`console.internal:${port}`)).status, 401, 'past the Host check, to the sign-in')
    assert.equal((await at('ops.example:8443')).status, 401)
    assert.equal((await at('console.internal')).status, 421, 'another port')
    assert.equal((await at(`evil.example:${port}`)).status, 421)
  })
})

describe('writes carry the session\'s CSRF token', () => {
  const topic = unique('it.console-auth.')
  const group = unique('it-console-auth-')
  before(async () => {
    await kafka(['topic', 'create', topic, '--partitions', '1'])
    await kafka(['produce', topic, '--key', 'k'], '{"n":1}\n{"n":2}\n{"n":3}\n')
    await kafka(['group', 'reset', group, '--topic', topic, '--to-earliest'])
    await kafka(['consume', topic, '--group', group, '--max', '1'])
  })
  after(async () => { await deleteTopics([topic]) })
  const lag = async () => (await describeGroup(config, group)).offsets.reduce((sum, o) => sum + BigInt(o.lag ?? 0), 0n)
  const reset = `${stackConsole}/groups/${encodeURIComponent(group)}/reset`

  test('a reset without its token, or with another session\'s, is 403 and changes nothing; with it, the offsets move', async () => {
    assert.equal(await lag(), 2n)
    const mine = await signInToConsole(stackConsole, operatorKey)
    const other = await signInToConsole(stackConsole, operatorKey)
    assertRefused(await post(reset, { topic, to: 'latest' }, { cookie: mine.cookie }), 403, 'CSRF_TOKEN_INVALID', '_csrf')
    assertRefused(await post(reset, { topic, to: 'latest' }, { cookie: mine.cookie, 'x-csrf-token': other.csrfToken }), 403, 'CSRF_TOKEN_INVALID', '_csrf')
    assertRefused(await post(reset, { topic, to: 'latest' }, { cookie: mine.cookie, 'x-csrf-token': `${mine.csrfToken}x` }), 403, 'CSRF_TOKEN_INVALID', '_csrf')
    // A form without the field, as another site's page would post it (were the cookie sent at all).
    const form = (fields: Record<string, string>) => send(reset, { method: 'POST', headers: { cookie: mine.cookie, 'content-type': 'application/x-www-form-urlencoded', ...HTML_ACCEPT }, body: new URLSearchParams(fields).toString() })
    const bare = await form({ topic, to: 'latest' })
    assert.equal(bare.status, 403)
    assert.match(bare.text, /CSRF token/)
    assert.equal(await lag(), 2n, 'nothing moved')

    const moved = await post(reset, { topic, to: 'latest' }, mine.headers)
    assert.equal(moved.status, 200, moved.text)
    assert.equal(await lag(), 0n)
    // The page's own form: the token in its _csrf field.
    const page = await send(`${stackConsole}/groups/${encodeURIComponent(group)}`, { headers: { cookie: mine.cookie, ...HTML_ACCEPT } })
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1]
    assert.ok(token, 'the group page\'s forms carry the token')
    const back = await form({ _csrf: token, topic, to: 'earliest' })
    assert.equal(back.status, 303, back.text)
    assert.equal(await lag(), 3n)
  })
})

describe('sessions', () => {
  test('the cookie: 256 random bits, HttpOnly, SameSite=Strict, not Secure over plain HTTP; a new one at each sign-in', async () => {
    const answer = await post(`${stackConsole}/login`, { key: operatorKey })
    assert.equal(answer.status, 200, answer.text)
    const cookie = [answer.headers['set-cookie'] ?? []].flat().find(c => c.startsWith('ripple_console='))
    assert.ok(cookie)
    assert.match(cookie, /^ripple_console=[A-Za-z0-9_-]{43};/)
    assert.match(cookie, /; HttpOnly/)
    assert.match(cookie, /; SameSite=Strict/)
    assert.match(cookie, /; Path=\//)
    assert.doesNotMatch(cookie, /Secure/)
    const first = await signInToConsole(stackConsole, operatorKey)
    const second = await signInToConsole(stackConsole, operatorKey)
    assert.notEqual(first.value, second.value)
    // A sign-in that came with a session ends that one (a planted id names nothing after it).
    const again = await post(`${stackConsole}/login`, { key: operatorKey }, { cookie: first.cookie })
    assert.equal(again.status, 200)
    assertRefused(await send(`${stackConsole}/session`, { headers: { cookie: first.cookie, ...JSON_ACCEPT } }), 401, 'SIGN_IN_REQUIRED', 'session')
    assert.equal((await send(`${stackConsole}/session`, { headers: { cookie: second.cookie, ...JSON_ACCEPT } })).status, 200)
  })

  test('sign-out ends the session: the old cookie is 401 everywhere; sign-out itself needs the token', async () => {
    const s = await signInToConsole(stackConsole, operatorKey)
    assert.equal((await send(`${stackConsole}/topics`, { headers: { cookie: s.cookie, ...HTML_ACCEPT } })).status, 200)
    assertRefused(await post(`${stackConsole}/logout`, {}, { cookie: s.cookie }), 403, 'CSRF_TOKEN_INVALID', '_csrf')
    assert.equal((await send(`${stackConsole}/session`, { headers: { cookie: s.cookie } })).status, 200, 'still signed in')
    const out = await post(`${stackConsole}/logout`, {}, s.headers)
    assert.equal(out.status, 200, out.text)
    assert.match([out.headers['set-cookie'] ?? []].flat().join('\n'), /ripple_console=;/)
    for (const path of ['/session', '/topics', '/trace', '/mail']) {
      assertRefused(await send(`${stackConsole}${path}`, { headers: { cookie: s.cookie, ...JSON_ACCEPT } }), 401, 'SIGN_IN_REQUIRED', 'session')
    }
  })

  test('a session idle longer than the idle timeout is over: sign in again', async () => {
    const own = await ownConsole({ idleMs: 2000, maxMs: 600_000 })
    const s = await signInToConsole(own.url, operatorKey)
    for (let i = 0; i < 3; i++) {
      await sleep(1000)
      assert.equal((await send(`${own.url}/session`, { headers: { cookie: s.cookie } })).status, 200, 'each request starts the idle time again')
    }
    await sleep(2500)
    assertRefused(await send(`${own.url}/session`, { headers: { cookie: s.cookie, ...JSON_ACCEPT } }), 401, 'SIGN_IN_REQUIRED', 'session')
    const page = await send(`${own.url}/groups`, { headers: { cookie: s.cookie, ...HTML_ACCEPT } })
    assert.equal(page.status, 303)
    assert.equal(page.headers.location, '/login?next=%2Fgroups')
    const renewed = await signInToConsole(own.url, operatorKey)
    assert.equal((await send(`${own.url}/session`, { headers: { cookie: renewed.cookie } })).status, 200)
  })

  test('a busy session still ends at the absolute timeout', async () => {
    const own = await ownConsole({ idleMs: 600_000, maxMs: 3000 })
    const s = await signInToConsole(own.url, operatorKey)
    const started = Date.now()
    let endedAfter: number | undefined
    while (Date.now() - started < 6000 && endedAfter === undefined) {
      const status = (await send(`${own.url}/session`, { headers: { cookie: s.cookie } })).status
      if (status === 401) endedAfter = Date.now() - started
      else assert.equal(status, 200)
      await sleep(250)
    }
    assert.ok(endedAfter !== undefined && endedAfter >= 2900, `ended after ${endedAfter} ms, at the 3 s limit`)
  })

  test('wrong keys: 403, each failure makes the next attempt wait longer, too many waiting at once is 429; the right key still signs in', async () => {
    const own = await ownConsole({ idleMs: 60_000, maxMs: 600_000 })
    const attempt = async (key: string) => {
      const started = performance.now()
      const answer = await post(`${own.url}/login`, { key })
      return { answer, ms: performance.now() - started }
    }
    const times: number[] = []
    for (let i = 0; i < 4; i++) {
      const { answer, ms } = await attempt(`${operatorKey}-wrong`)
      assertRefused(answer, 403, 'WRONG_OPERATOR_KEY', 'key')
      times.push(ms)
    }
    // After 1, 2, 3 failures the next attempt waits 250, 500, 1000 ms before the key is even compared.
    assert.ok(times[1]! >= 240 && times[2]! >= 490 && times[3]! >= 990, `waits grow: ${times.map(Math.round).join(', ')} ms`)
    const right = await attempt(operatorKey)
    assert.equal(right.answer.status, 200, 'no lock-out: the right key signs in')
    assert.ok(right.ms >= 1990, `after 4 failures the right key waited too (${Math.round(right.ms)} ms)`)
    // At most five wait their turn, each twice as long as the one before; the others are turned away
    // (how many depends on how fast the 20 arrive, so only that some are).
    const burst = await Promise.all(Array.from({ length: 20 }, () => attempt('not-the-key')))
    const busy = burst.filter(b => b.answer.status === 429)
    assert.ok(busy.length >= 1 && busy.length <= 15, `${busy.length} turned away`)
    assert.equal(burst.filter(b => b.answer.status === 403).length, 20 - busy.length)
    assertRefused(busy[0]!.answer, 429, 'SIGN_IN_BUSY', 'key')
    assert.match(String(busy[0]!.answer.headers['retry-after']), /^\d+$/)
  })
})

describe('the console\'s database accounts read what it shows and nothing else', () => {
  const reads = consoleReads(config)

  /** The rejection's code (MariaDB's `code`, PostgreSQL's SQLSTATE); fails when the statement is allowed. */
  async function refusal (work: Promise<unknown>): Promise<string> {
    try {
      await work
    } catch (err) {
      return String((err as { code?: string }).code)
    }
    assert.fail('the statement was allowed')
  }

  test('MariaDB: the columns it shows, never users.password, no write, no other table or database', async () => {
    const conn = await mysql.createConnection({ ...ep.consoleMariadb })
    try {
      const users = reads.find(r => r.engine === 'mariadb' && r.table === 'users')!
      assert.ok(!users.columns.includes('password'))
      await conn.query(`SELECT ${users.columns.join(', ')} FROM ${users.database}.users LIMIT 1`)
      for (const sql of ['SELECT password FROM userdata.users LIMIT 1', 'SELECT id FROM userdata.users WHERE password IS NOT NULL LIMIT 1', 'SELECT fullName FROM userdata.users LIMIT 1']) {
        assert.equal(await refusal(conn.query(sql)), 'ER_COLUMNACCESS_DENIED_ERROR', sql)
      }
      // All columns: refused for the table as a whole, as the account may read only some.
      assert.equal(await refusal(conn.query('SELECT * FROM userdata.users LIMIT 1')), 'ER_TABLEACCESS_DENIED_ERROR')
      for (const sql of ['UPDATE userdata.users SET status = status', 'INSERT INTO userdata.users (username) VALUES (\'x\')', 'DELETE FROM userdata.users',
        'DELETE FROM post_service_db.outbox', 'CREATE TABLE userdata.console_probe (id INT)', 'DROP TABLE post_service_db.posts', 'SELECT * FROM mysql.user',
        'SELECT * FROM carga.tabela', 'SELECT * FROM post_service_db.inbox']) {
        assert.match(await refusal(conn.query(sql)), /^ER_(TABLEACCESS|COLUMNACCESS)_DENIED_ERROR$/, sql)
      }
      assert.equal(await refusal(conn.query('CREATE DATABASE console_probe')), 'ER_DBACCESS_DENIED_ERROR')
      const [grants] = await conn.query('SHOW GRANTS') as unknown as [Record<string, string>[]]
      const lines = grants.map(g => Object.values(g)[0]!).filter(l => !/^GRANT USAGE ON \*\.\*/.test(l))
      assert.equal(lines.length, reads.filter(r => r.engine === 'mariadb').length, lines.join('\n'))
      for (const line of lines) assert.match(line, /^GRANT SELECT \([^)]+\) ON `[^`]+`\.`[^`]+` TO `console`@`%`$/)
    } finally {
      await conn.end()
    }
  })

  test('PostgreSQL: a plain role, SELECT on the columns it shows, no write, no table made, no other database', async () => {
    const as = async (database: string) => {
      const client = new pg.Client({ ...ep.consolePostgres, database })
      await client.connect()
      return client
    }
    const notifications = reads.find(r => r.engine === 'postgres' && r.table === 'sent_mails')!
    const client = await as(notifications.database)
    try {
      const role = await client.query('SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = current_user')
      assert.deepEqual(role.rows[0], { rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false })
      await client.query(`SELECT ${notifications.columns.join(', ')} FROM sent_mails LIMIT 1`)
      for (const sql of ['SELECT * FROM sent_mails LIMIT 1', 'SELECT fields FROM sent_mails LIMIT 1', 'SELECT claim_token FROM sent_mails LIMIT 1',
        'DELETE FROM sent_mails', 'UPDATE inbox SET processed_at = now()', 'INSERT INTO inbox (event_id) VALUES (\'x\')', 'TRUNCATE inbox',
        'CREATE TABLE console_probe (id int)', 'SET ROLE postgres']) {
        assert.equal(await refusal(client.query(sql)), '42501', sql)
      }
    } finally {
      await client.end()
    }
    for (const database of ['postgres', 'carga', 'inventory']) {
      assert.equal(await refusal(as(database)), '42501', `no CONNECT on ${database}`)
    }
  })
})
