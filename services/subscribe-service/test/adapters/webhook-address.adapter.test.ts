import assert from 'node:assert/strict'
import type { LookupAddress } from 'node:dns'
import type { LookupOptions } from 'node:dns'
import { describe, it } from 'node:test'
import { createWebhookAddressGuard, parseAllowedHosts, RefusedAddressError, webhookTarget } from '../../src/adapters/webhook-address.adapter.ts'
import type { Resolve, WebhookAddressGuard } from '../../src/adapters/webhook-address.adapter.ts'

const guard = (allowed = '', resolve?: Resolve) => createWebhookAddressGuard({ allowedHosts: parseAllowedHosts(allowed), resolveTimeoutMs: 2000, resolve })
const noDns: Resolve = async host => { throw new Error(`no lookup expected, asked for ${host}`) }
const v4 = (address: string): LookupAddress => ({ address, family: 4 })

/** Runs a guard's lookup as net.connect would, answering what it hands the connection or its error. */
function lookUp (g: WebhookAddressGuard, url: string, options: LookupOptions = { all: true }): Promise<unknown> {
  const target = webhookTarget(url)
  assert.ok(typeof target !== 'string')
  return new Promise((resolve, reject) => g.lookupFor(target)(target.hostname, options, (err, address, family) => err ? reject(err) : resolve(options.all ? address : { address, family })))
}

describe('webhook addresses', () => {
  it('refuses loopback, private, link-local, CGNAT, multicast, unspecified and broadcast addresses, IPv4-mapped ones too, naming webhookUrl and the address', async () => {
    const refused: Array<[string, RegExp]> = [
      ['http://127.0.0.1:9090/-/quit', /127\.0\.0\.1 is a loopback address/],
      ['http://169.254.169.254/latest/meta-data', /169\.254\.169\.254 is a link-local address/],
      ['http://10.0.0.1/', /10\.0\.0\.1 is a private address/],
      ['http://172.16.5.4/', /private/],
      ['http://192.168.1.1/', /private/],
      ['http://100.64.0.1/', /carrier-grade NAT/],
      ['http://224.0.0.1/', /multicast/],
      ['http://0.0.0.0/', /unspecified/],
      ['http://255.255.255.255/', /broadcast/],
      ['http://[::1]/', /::1 is a loopback address/],
      ['http://[::ffff:127.0.0.1]/', /127\.0\.0\.1 is a loopback address/],
      ['http://[::ffff:a9fe:a9fe]/', /169\.254\.169\.254 is a link-local address/],
      ['http://[::7f00:1]/', /not a public address/],
      ['http://[fc00::1]/', /unique local/],
      ['http://[fe80::1]/', /link-local/],
      ['http://[::]/', /unspecified/],
      // WHATWG URL spellings of 127.0.0.1: what is checked is the address the URL means.
      ['http://2130706433/', /127\.0\.0\.1 is a loopback address/],
      ['http://0x7f.1/', /127\.0\.0\.1 is a loopback address/]
    ]
    const g = guard('', noDns)
    for (const [url, reason] of refused) {
      const refusal = await g.refusal(url)
      assert.match(refusal ?? 'accepted', /^webhookUrl is refused: /, url)
      assert.match(refusal!, reason, url)
    }
  })

  it('accepts public addresses, literals without any lookup', async () => {
    const g = guard('', noDns)
    for (const url of ['http://93.184.215.14/', 'https://93.184.215.14:8443/hook', 'https://[2606:2800:220:1::]/x', 'http://[::ffff:8.8.8.8]/']) {
      assert.equal(await g.refusal(url), undefined, url)
    }
  })

  it('resolves host names (all addresses): localhost and one private address among public ones are refused, an unresolvable host is refused', async () => {
    const real = guard()
    assert.match(await real.refusal('http://localhost:8082/') ?? '', /^webhookUrl is refused: localhost resolves to 127\.0\.0\.1 is a loopback address/)
    assert.match(await real.refusal('http://nothing.invalid/') ?? '', /^webhookUrl is refused: its host nothing\.invalid cannot be resolved \(ENOTFOUND\)/)
    const mixed = guard('', async () => [v4('93.184.215.14'), { address: 'fd00::5', family: 6 }])
    assert.match(await mixed.refusal('https://mixed.example/') ?? '', /mixed\.example resolves to fd00::5 is a private \(unique local\) address/)
    assert.equal(await guard('', async () => [v4('93.184.215.14')]).refusal('https://public.example/'), undefined)
    const slow = createWebhookAddressGuard({ allowedHosts: [], resolveTimeoutMs: 50, resolve: () => new Promise(() => {}) })
    assert.match(await slow.refusal('https://slow.example/') ?? '', /cannot be resolved \(timed out\)/)
  })

  it('refuses what is not http: or https:', async () => {
    assert.match(await guard().refusal('ftp://93.184.215.14/') ?? '', /must use http: or https:/)
    assert.match(await guard().refusal('file:///etc/passwd') ?? '', /must use http: or https:/)
  })

  it('WEBHOOK_ALLOWED_HOSTS: a host with any port or one port, a CIDR range, a name that need not resolve', async () => {
    assert.equal(await guard('127.0.0.1', noDns).refusal('http://127.0.0.1:41234/hook'), undefined)
    const onePort = guard('127.0.0.1:8099', noDns)
    assert.equal(await onePort.refusal('http://127.0.0.1:8099/hook'), undefined)
    assert.match(await onePort.refusal('http://127.0.0.1:9090/-/quit') ?? '', /loopback/, 'another port of the same host stays refused')
    assert.equal(await guard('10.0.0.0/8', noDns).refusal('http://10.1.2.3/'), undefined)
    assert.match(await guard('10.0.0.0/8', noDns).refusal('http://192.168.0.1/') ?? '', /private/)
    assert.equal(await guard('[::1]:8443', noDns).refusal('https://[::1]:8443/'), undefined)
    assert.equal(await guard('::1', noDns).refusal('http://[::1]/'), undefined)
    assert.equal(await guard('Receiver.Local', noDns).refusal('http://receiver.local/hook'), undefined)
    assert.equal(await guard('127.0.0.1', async () => [v4('127.0.0.1')]).refusal('http://localhost:1234/'), undefined, 'an allowed address may be reached by name')
  })

  it('parses WEBHOOK_ALLOWED_HOSTS strictly', () => {
    assert.deepEqual(parseAllowedHosts(''), [])
    assert.deepEqual(parseAllowedHosts(' 127.0.0.1:8099 , localhost ').map(e => e.kind === 'host' ? [e.host, e.port] : e.kind), [['127.0.0.1', 8099], ['localhost', undefined]])
    for (const bad of ['300.1.1.1/8', '10.0.0.0/33', 'a b', 'host:99999', 'host:0', '[::1', 'http://x']) {
      assert.throws(() => parseAllowedHosts(bad), Error, bad)
    }
  })

  describe('the lookup of each connection (delivery time, no DNS rebinding)', () => {
    it('refuses a host that now resolves inside although it was public when subscribed', async () => {
      let answer = '93.184.215.14'
      const g = guard('', async () => [v4(answer)])
      assert.equal(await g.refusal('https://rebind.example/hook'), undefined, 'public at subscribe time')
      answer = '127.0.0.1'
      await assert.rejects(lookUp(g, 'https://rebind.example/hook'), (e: Error) => e instanceof RefusedAddressError && /rebind\.example resolves to 127\.0\.0\.1 is a loopback address/.test(e.message))
      answer = '169.254.169.254'
      await assert.rejects(lookUp(g, 'https://rebind.example/hook', { all: false }), RefusedAddressError)
    })

    it('refuses every address of a name when one is inside, and hands the connection exactly the checked ones otherwise', async () => {
      const g = guard('', async () => [v4('93.184.215.14'), v4('10.0.0.7')])
      await assert.rejects(lookUp(g, 'http://two.example/'), RefusedAddressError)
      const ok = guard('', async () => [v4('93.184.215.14'), { address: '2606:2800:220:1::', family: 6 }])
      assert.deepEqual(await lookUp(ok, 'http://two.example/'), [v4('93.184.215.14'), { address: '2606:2800:220:1::', family: 6 }])
      assert.deepEqual(await lookUp(ok, 'http://two.example/', { all: false, family: 6 }), { address: '2606:2800:220:1::', family: 6 })
    })

    it('follows the allow-list as it is configured: allowed with it, refused once it is absent', async () => {
      const resolve: Resolve = async () => [v4('127.0.0.1')]
      assert.deepEqual(await lookUp(guard('127.0.0.1', resolve), 'http://localhost:8099/'), [v4('127.0.0.1')])
      assert.deepEqual(await lookUp(guard('127.0.0.1:8099', resolve), 'http://localhost:8099/'), [v4('127.0.0.1')])
      await assert.rejects(lookUp(guard('127.0.0.1:8099', resolve), 'http://localhost:9090/'), RefusedAddressError, 'another port')
      await assert.rejects(lookUp(guard('', resolve), 'http://localhost:8099/'), RefusedAddressError)
      // The real resolver: localhost is loopback.
      await assert.rejects(lookUp(guard(), 'http://localhost:8099/'), RefusedAddressError)
    })

    it('passes a resolution failure through as it is, for a retry', async () => {
      await assert.rejects(lookUp(guard(), 'http://nothing.invalid/'), (e: NodeJS.ErrnoException) => e.code === 'ENOTFOUND')
    })
  })
})
