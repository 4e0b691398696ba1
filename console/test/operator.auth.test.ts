import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import type { HttpError } from '@ripple/kit'
import { loadStackConfig } from '@ripple/stack'
import { allowedHosts } from '../src/console.server.ts'
import { OperatorKeyCheck, SessionStore } from '../src/operator.auth.ts'

test('a session: 256 random bits, found by its cookie value only, over after the idle time or the absolute one, or at sign-out', () => {
  let now = 1_000_000
  const store = new SessionStore({ idleMs: 1000, maxMs: 5000 }, () => now)
  const a = store.open()
  const b = store.open()
  assert.match(a.token, /^[A-Za-z0-9_-]{43}$/)
  assert.notEqual(a.token, b.token)
  assert.equal(store.find(a.token), a.session)
  assert.equal(store.find(`${a.token}x`), undefined)
  assert.equal(store.find(undefined), undefined)
  assert.equal(store.find(''), undefined)

  now += 999
  assert.ok(store.find(a.token), 'within the idle time, which starts again')
  now += 999
  assert.ok(store.find(a.token))
  assert.equal(store.find(b.token), undefined, 'b was idle 1998 ms')
  for (let i = 0; i < 3; i++) { now += 900; assert.ok(store.find(a.token), 'busy') }
  now += 400
  assert.equal(store.find(a.token), undefined, 'busy, but 5 s after its sign-in')

  const c = store.open()
  assert.equal(store.size, 1, 'expired sessions are dropped at the next sign-in')
  store.close(c.token)
  assert.equal(store.find(c.token), undefined)
})

test('the operator key: a wrong key fails, each failure makes the next attempt wait twice as long, the right key signs in and starts over', async () => {
  const check = new OperatorKeyCheck('the-right-key', { baseMs: 40, maxMs: 160, forgetAfterMs: 60_000, maxWaiting: 2 })
  const timed = async (key: string) => { const t = performance.now(); const ok = await check.matches(key); return { ok, ms: performance.now() - t } }
  assert.equal((await timed('wrong')).ok, false)
  assert.equal(check.nextDelayMs, 40)
  assert.ok((await timed('wrong')).ms >= 35)
  assert.equal(check.nextDelayMs, 80)
  await timed('wrong')
  await timed('wrong')
  assert.equal(check.nextDelayMs, 160, 'at most maxMs')
  const right = await timed('the-right-key')
  assert.equal(right.ok, true)
  assert.ok(right.ms >= 150, 'the right key waits its turn too')
  assert.equal(check.nextDelayMs, 0)
  assert.equal(await check.matches('the-right-key-and-more'), false)
  assert.equal(await check.matches(''), false)

  const burst = await Promise.allSettled([check.matches('a'), check.matches('b'), check.matches('c')])
  assert.deepEqual(burst.map(r => r.status), ['fulfilled', 'fulfilled', 'rejected'])
  const busy = (burst[2] as PromiseRejectedResult).reason as HttpError
  assert.equal(busy.statusCode, 429)
  assert.equal(busy.code, 'SIGN_IN_BUSY')
  assert.match(busy.headers['retry-after'] ?? '', /^\d+$/)
})

const home = mkdtempSync(join(tmpdir(), 'ripple-console-'))
after(() => rmSync(home, { recursive: true, force: true }))

test('Host names: 127.0.0.1, localhost and the stack\'s host on the port, plus the configured ones', () => {
  const config = loadStackConfig({ RIPPLE_HOME: home, RIPPLE_CONSOLE_HOSTS: 'Console.Internal, ops.example:8443' })
  assert.deepEqual(config.console.hosts, ['console.internal', 'ops.example:8443'])
  assert.deepEqual([...allowedHosts(config, 8090)].sort(), ['127.0.0.1:8090', 'console.internal:8090', 'localhost:8090', 'ops.example:8443'])
  assert.deepEqual([...allowedHosts({ ...config, host: '0.0.0.0' }, 1)].sort(), ['127.0.0.1:1', 'console.internal:1', 'localhost:1', 'ops.example:8443'])
  assert.throws(() => loadStackConfig({ RIPPLE_HOME: home, RIPPLE_CONSOLE_HOSTS: 'evil.example/path' }), /RIPPLE_CONSOLE_HOSTS/)
  assert.throws(() => loadStackConfig({ RIPPLE_HOME: home, RIPPLE_CONSOLE_SESSION_IDLE_MS: '10' }), /RIPPLE_CONSOLE_SESSION_IDLE_MS/)
})
