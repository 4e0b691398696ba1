import { connect } from 'node:net'
import type { Health } from './component.ts'

/** Resolves healthy when something accepts a TCP connection on host:port. */
export function tcpProbe (host: string, port: number, timeoutMs = 1000): Promise<Health> {
  return new Promise(resolve => {
    const socket = connect({ host, port })
    const done = (health: Health) => { socket.destroy(); resolve(health) }
    socket.setTimeout(timeoutMs, () => done({ healthy: false, reason: `no answer on ${host}:${port} within ${timeoutMs} ms` }))
    socket.once('connect', () => done({ healthy: true }))
    socket.once('error', err => done({ healthy: false, reason: `${host}:${port}: ${err.message}` }))
  })
}

/**
 * Healthy when GET url answers 2xx. A service's 503 carries `{status: 'unhealthy', reasons: [...]}`
 * (the kit's health report): its first reason is the one shown, with the others counted.
 */
export async function httpProbe (url: string, timeoutMs = 2000): Promise<Health> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    const text = await res.text()
    if (res.ok) return { healthy: true }
    const reasons = reasonsOf(text)
    const first = reasons[0]
    if (first === undefined) return { healthy: false, reason: `${url} answered HTTP ${res.status}` }
    return { healthy: false, reason: `${first}${reasons.length > 1 ? ` (and ${reasons.length - 1} more: curl ${url})` : ''}` }
  } catch (err) {
    return { healthy: false, reason: `${url}: ${(err as Error).message}` }
  }
}

function reasonsOf (body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { reasons?: unknown }
    return Array.isArray(parsed.reasons) ? parsed.reasons.filter((r): r is string => typeof r === 'string' && r.length > 0) : []
  } catch {
    return []
  }
}

/** Runs a probe that throws on failure and turns the outcome into a Health. */
export async function probe (what: string, fn: () => Promise<unknown>): Promise<Health> {
  try {
    await fn()
    return { healthy: true }
  } catch (err) {
    return { healthy: false, reason: `${what}: ${(err as Error).message}` }
  }
}
