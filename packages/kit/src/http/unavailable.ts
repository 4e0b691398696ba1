import { DomainError } from '../domain/domain.error.ts'
import { InvalidInputError } from '../errors/ripple.error.ts'

/**
 * A dependency a service reaches over the network (its database, Kafka, Cassandra): named for
 * callers, and recognised in a failed request's error by the address it refused or by the
 * driver that threw.
 */
export interface Dependency {
  /** What a caller reads: "the userdata database", "Kafka". */
  readonly name: string
  readonly kind: 'mariadb' | 'postgres' | 'kafka' | 'cassandra' | 'other'
  readonly ports: readonly number[]
}

/** Seconds a caller is told to wait: a restarted database or broker usually answers again within them. */
export const RETRY_AFTER_SECONDS = 2

// Node's socket errors, and the drivers' own words for a connection that went away or never came.
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED',
  // mysql2
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED',
  // PostgreSQL SQLSTATE: connection exceptions (08…), operator intervention (57P01–57P03), too many connections
  '08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', '53300'
])
// pg reports a dropped connection with a message only.
const NETWORK_MESSAGE = /Connection terminated|connection timeout|Connection ended|Client has encountered a connection error|timeout exceeded when trying to connect/i

type Shaped = Error & { code?: unknown, port?: unknown, sqlState?: unknown, fatal?: unknown, severity?: unknown, errors?: unknown }

/** The error and everything it wraps (cause chains, AggregateError's errors), depth-first, each once. */
function* chain (error: unknown, seen = new Set<unknown>()): Generator<Shaped> {
  if (!(error instanceof Error) || seen.has(error)) return
  seen.add(error)
  yield error as Shaped
  yield* chain(error.cause, seen)
  const inner = (error as Shaped).errors
  if (Array.isArray(inner)) for (const e of inner) yield* chain(e, seen)
}

function driverKind (e: Shaped): Dependency['kind'] | undefined {
  if (e.sqlState !== undefined || typeof e.fatal === 'boolean' || (typeof e.code === 'string' && /^(PROTOCOL_|ER_)/.test(e.code))) return 'mariadb'
  if (e.severity !== undefined || (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && /^(08|57|53)/.test(e.code)) || NETWORK_MESSAGE.test(e.message)) return 'postgres'
  if (/^PLT_KFK_/.test(String(e.code ?? ''))) return 'kafka'
  if (e.name === 'NoHostAvailableError' || e.name === 'OperationTimedOutError') return 'cassandra'
  return undefined
}

/**
 * The dependency whose outage made this request fail, or undefined when the error is not an
 * outage (a bug stays a 500). An outage is: an error of Ripple's own code that says it may pass
 * (`canRetry`, e.g. KAFKA_UNAVAILABLE), or a driver or socket error that says the connection
 * failed. Bad input is never one.
 */
export function unavailableDependency (error: unknown, dependencies: readonly Dependency[]): { name: string, message?: string } | undefined {
  for (const e of chain(error)) {
    if (e instanceof InvalidInputError) return undefined
    if (e instanceof DomainError) {
      if (!e.canRetry) return undefined
      const kind = /KAFKA/.test(e.code) ? 'kafka' : /CASSANDRA/.test(e.code) ? 'cassandra' : undefined
      return { name: dependencies.find(d => d.kind === kind)?.name ?? nameOfKind(kind), message: e.message }
    }
    const code = typeof e.code === 'string' ? e.code : undefined
    const kind = driverKind(e)
    const network = (code !== undefined && NETWORK_CODES.has(code)) || (kind === 'postgres' && NETWORK_MESSAGE.test(e.message)) || kind === 'kafka' || kind === 'cassandra'
    if (!network) continue
    const byPort = typeof e.port === 'number' ? dependencies.find(d => d.ports.includes(e.port as number)) : undefined
    const byKind = kind === undefined ? undefined : dependencies.find(d => d.kind === kind)
    const only = dependencies.length === 1 ? dependencies[0] : undefined
    return { name: (byPort ?? byKind ?? only)?.name ?? nameOfKind(kind) }
  }
  return undefined
}

function nameOfKind (kind: Dependency['kind'] | undefined): string {
  switch (kind) {
    case 'mariadb': return 'the database'
    case 'postgres': return 'the database'
    case 'kafka': return 'Kafka'
    case 'cassandra': return 'Cassandra'
    default: return 'a service it depends on'
  }
}
