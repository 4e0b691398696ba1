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

/** Healthy when GET url answers 2xx. */
export async function httpProbe (url: string, timeoutMs = 2000): Promise<Health> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    await res.arrayBuffer()
    return res.ok ? { healthy: true } : { healthy: false, reason: `${url} answered HTTP ${res.status}` }
  } catch (err) {
    return { healthy: false, reason: `${url}: ${(err as Error).message}` }
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
