import { lookup as dnsLookup } from 'node:dns/promises'
import type { LookupAddress } from 'node:dns'
import { isIP } from 'node:net'
import type { LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'
import type { WebhookAddressPolicy } from '../ports/webhook-address.port.ts'

/**
 * Webhook addresses: only public ones (ipaddr.js's `unicast` range), checked when a subscription
 * is made and again at every connection, on the addresses the connection then uses (no DNS
 * rebinding between the check and the connect). WEBHOOK_ALLOWED_HOSTS names the exceptions.
 */

type Address = ipaddr.IPv4 | ipaddr.IPv6

/** One WEBHOOK_ALLOWED_HOSTS entry: a host (name or address) with or without a port, or a CIDR range (any port). */
export type AllowedHost =
  | { kind: 'host', host: string, port: number | undefined }
  | { kind: 'range', range: [Address, number] }

/** Where a webhook goes: the URL's host (brackets stripped, lower case) and its port, default ones filled in. */
export interface WebhookTarget { hostname: string, port: number }

/** The host's addresses, as `dns.lookup(host, { all: true })` answers them. */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>

/** A connection refused because its host resolved to an address webhooks may not reach. */
export class RefusedAddressError extends Error {
  readonly code = 'EWEBHOOKREFUSED'
}

const RANGE_NAMES: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  uniqueLocal: 'a private (unique local) address',
  linkLocal: 'a link-local address',
  carrierGradeNat: 'a shared (carrier-grade NAT) address',
  multicast: 'a multicast address',
  unspecified: 'the unspecified address',
  broadcast: 'the broadcast address'
}

// IPv4-compatible IPv6 (::a.b.c.d, deprecated): ipaddr.js calls it unicast, but it names an IPv4 address.
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96')

const parseAddress = (text: string): Address => ipaddr.process(text)

function parsePort (text: string | undefined, entry: string): number | undefined {
  if (text === undefined) return undefined
  const port = Number(text)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`"${entry}": the port must be 1-65535`)
  return port
}

function parseEntry (entry: string): AllowedHost {
  if (entry.includes('/')) {
    try {
      const [address, bits] = ipaddr.parseCIDR(entry)
      // ::ffff:a.b.c.d/n covers IPv4 addresses, which is how they are compared.
      if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) return { kind: 'range', range: [(address as ipaddr.IPv6).toIPv4Address(), bits - 96] }
      return { kind: 'range', range: [address, bits] }
    } catch {
      throw new Error(`"${entry}" is not a CIDR range such as 127.0.0.0/8`)
    }
  }
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? (isIP(entry) === 6 ? [entry, entry, undefined] : /^([^:[\]]+)(?::(\d+))?$/.exec(entry))
  const host = match?.[1]
  if (host === undefined) throw new Error(`"${entry}" is neither host[:port], [ipv6][:port] nor a CIDR range`)
  const port = parsePort(match?.[2], entry)
  if (isIP(host) !== 0) return { kind: 'host', host: parseAddress(host).toString(), port }
  if (!/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?\.?$/i.test(host)) throw new Error(`"${entry}": "${host}" is not a host name or address`)
  return { kind: 'host', host: host.toLowerCase().replace(/\.$/, ''), port }
}

/** WEBHOOK_ALLOWED_HOSTS: comma-separated `host`, `host:port`, `[ipv6]:port` or CIDR entries; empty allows nothing. */
export function parseAllowedHosts (text: string): AllowedHost[] {
  return text.split(',').map(e => e.trim()).filter(e => e !== '').map(parseEntry)
}

/** The target of a webhook URL, or why it cannot be one. */
export function webhookTarget (url: string): WebhookTarget | string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'is not a URL'
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `must use http: or https:, not ${parsed.protocol}`
  const hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase().replace(/\.$/, '')
  if (hostname === '') return 'has no host'
  return { hostname, port: parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port) }
}

export interface WebhookAddressGuard extends WebhookAddressPolicy {
  /** Why a connection to this address for this target is refused, or undefined when it may go ahead. */
  addressRefusal (target: WebhookTarget, address: string): string | undefined
  /**
   * A `lookup` for http.request / net.connect: resolves the target's host, refuses the connection
   * (RefusedAddressError) when any address it resolves to is refused, and otherwise hands exactly
   * the checked addresses to the connection. Node skips `lookup` for an address literal: check
   * those with addressRefusal first.
   */
  lookupFor (target: WebhookTarget): LookupFunction
}

export interface WebhookAddressOptions {
  allowedHosts: AllowedHost[]
  /** The longest a subscription's host may take to resolve. */
  resolveTimeoutMs: number
  resolve?: Resolve
}

export function createWebhookAddressGuard ({ allowedHosts, resolveTimeoutMs, resolve = host => dnsLookup(host, { all: true }) }: WebhookAddressOptions): WebhookAddressGuard {
  const portMatches = (entry: { port: number | undefined }, target: WebhookTarget) => entry.port === undefined || entry.port === target.port
  const hostAllowed = (target: WebhookTarget) => allowedHosts.some(e => e.kind === 'host' && e.host === target.hostname && portMatches(e, target))

  function addressRefusal (target: WebhookTarget, text: string): string | undefined {
    let address: Address
    try {
      address = parseAddress(text)
    } catch {
      return `${text} is not an IP address`
    }
    const canonical = address.toString()
    const allowed = allowedHosts.some(e => e.kind === 'range'
      ? address.kind() === e.range[0].kind() && address.match(e.range)
      : (e.host === target.hostname || e.host === canonical) && portMatches(e, target))
    if (allowed) return undefined
    const range = address.range()
    if (range === 'unicast' && !(address.kind() === 'ipv6' && address.match(IPV4_COMPATIBLE))) return undefined
    return `${canonical} is ${RANGE_NAMES[range] ?? `in the ${range} range`}, not a public address`
  }

  function refusalOfAll (target: WebhookTarget, addresses: LookupAddress[]): string | undefined {
    if (addresses.length === 0) return `${target.hostname} does not resolve`
    for (const { address } of addresses) {
      const refused = addressRefusal(target, address)
      if (refused) return target.hostname === address ? refused : `${target.hostname} resolves to ${refused}`
    }
    return undefined
  }

  async function resolveInTime (hostname: string): Promise<LookupAddress[]> {
    return await Promise.race([
      resolve(hostname),
      new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('timed out')), resolveTimeoutMs).unref())
    ])
  }

  return {
    addressRefusal,

    async refusal (url) {
      const target = webhookTarget(url)
      if (typeof target === 'string') return `webhookUrl ${target}`
      const outside = '; webhooks go only to public addresses (WEBHOOK_ALLOWED_HOSTS names exceptions)'
      if (isIP(target.hostname) !== 0) {
        const refused = addressRefusal(target, target.hostname)
        return refused && `webhookUrl is refused: ${refused}${outside}`
      }
      // An allow-listed name is the operator's word for it: it need not resolve yet.
      if (hostAllowed(target)) return undefined
      let addresses: LookupAddress[]
      try {
        addresses = await resolveInTime(target.hostname)
      } catch (error) {
        return `webhookUrl is refused: its host ${target.hostname} cannot be resolved (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`
      }
      const refused = refusalOfAll(target, addresses)
      return refused && `webhookUrl is refused: ${refused}${outside}`
    },

    lookupFor (target) {
      return (hostname, options, callback) => {
        resolve(hostname).then(found => {
          const addresses = options.family === 4 || options.family === 6 ? found.filter(a => a.family === options.family) : found
          const refused = refusalOfAll(target, addresses)
          if (refused) return callback(new RefusedAddressError(`webhook address refused: ${refused}`), '', 0)
          if (options.all) return callback(null, addresses)
          const [first] = addresses as [LookupAddress]
          callback(null, first.address, first.family)
        }, (error: NodeJS.ErrnoException) => callback(error, '', 0))
      }
    }
  }
}
