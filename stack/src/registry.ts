import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { StackError } from './errors.ts'
import { PUBLIC_KEY_NAMES, SECRET_NAMES } from './secrets.ts'

/**
 * The service registry: each services/<name>/package.json that carries a "ripple" field is a
 * service `./ripple up` runs, so adding one touches only its own folder. A folder without the
 * field (a library, a service in the making) is not run.
 */
const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name')

const rippleField = z.object({
  port: z.number().int().min(1).max(65535),
  portVariable: z.string().regex(/^RIPPLE_[A-Z0-9_]+_PORT$/, 'must look like RIPPLE_<NAME>_PORT'),
  /** Reads a connector's topic: starts once `up` applied the connectors. Absent: starts before them. */
  after: z.literal('connectors').optional(),
  /** Start order among the services, lowest first. */
  order: z.number(),
  /** The stack's generated secrets this service is given (least privilege: nothing it does not use). */
  secrets: z.array(z.enum(SECRET_NAMES)).default([]),
  /** The stack's public keys this service is given (no secret: JWT_PUBLIC_KEY checks access tokens, it cannot sign one). */
  publicKeys: z.array(z.enum(PUBLIC_KEY_NAMES)).default([]),
  /**
   * The database the service owns and the account it uses there: `./ripple up` creates the
   * account with rights on that database only and gives the service only that account's
   * MARIADB_USER/PASSWORD (or POSTGRES_USER/PASSWORD) and MARIADB_DATABASE (POSTGRES_DATABASE).
   * A service without it gets no database credentials.
   */
  database: z.object({
    engine: z.enum(['mariadb', 'postgres']),
    name: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'a lower-case database name'),
    account: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'a lower-case account name')
  }).strict().optional(),
  /**
   * What the service does on Kafka, exact topic and group names: `./ripple up` turns it into the
   * ACLs of its principal `User:<folder name>` (stack/src/kafka-auth.ts). Consuming a topic also
   * allows writing its dead-letter topic `<topic>.dlq`. Absent: the service may do nothing on Kafka.
   */
  kafka: z.object({
    consumes: z.array(topicName).default([]),
    produces: z.array(topicName).default([]),
    groups: z.array(z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka group id')).default([])
  }).strict().refine(k => k.consumes.length === 0 || k.groups.length > 0, { message: 'a service that consumes names its consumer group(s) in "groups"' }).optional(),
  /**
   * Its Cassandra keyspace and role: `./ripple up` creates the role with SELECT and MODIFY on that
   * keyspace only and gives the service CASSANDRA_USER/PASSWORD and CASSANDRA_KEYSPACE.
   */
  cassandra: z.object({
    keyspace: z.string().regex(/^[a-z][a-z0-9_]{0,47}$/, 'a lower-case keyspace name'),
    role: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'a lower-case role name')
  }).strict().optional()
}).strict()

/** Accounts the stack itself uses (admin, CDC, root, the JDBC sink): no service may take one. */
const RESERVED_ACCOUNTS = ['ripple', 'debezium', 'root', 'postgres', 'jdbc_sink', 'mysql', 'mariadb.sys', 'cassandra']

export type RegistryEntry = z.infer<typeof rippleField> & { name: string }

export function readServiceRegistry (repoRoot: string): RegistryEntry[] {
  const dir = join(repoRoot, 'services')
  if (!existsSync(dir)) return []
  const entries: RegistryEntry[] = []
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name, 'package.json')
    if (!existsSync(file)) continue
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { ripple?: unknown }
    if (pkg.ripple === undefined) continue
    const parsed = rippleField.safeParse(pkg.ripple)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new StackError('INVALID_SERVICE', `The "ripple" field of ${file} is invalid at ${issue?.path.join('.') || 'its top'}: ${issue?.message}; fix it and run again.`)
    }
    entries.push({ name, ...parsed.data })
  }
  const owners = new Map<string, string>()
  for (const e of entries) {
    if (e.cassandra && RESERVED_ACCOUNTS.includes(e.cassandra.role)) throw new StackError('INVALID_SERVICE', `The "ripple".cassandra.role of ${e.name} is ${e.cassandra.role}, one of the stack's own accounts (${RESERVED_ACCOUNTS.join(', ')}): name the service's own.`)
    if (!e.database) continue
    if (RESERVED_ACCOUNTS.includes(e.database.account)) throw new StackError('INVALID_SERVICE', `The "ripple".database.account of ${e.name} is ${e.database.account}, one of the stack's own accounts (${RESERVED_ACCOUNTS.join(', ')}): name the service's own.`)
    for (const key of [`${e.database.engine} database ${e.database.name}`, `${e.database.engine} account ${e.database.account}`]) {
      const other = owners.get(key)
      if (other) throw new StackError('INVALID_SERVICE', `Services ${other} and ${e.name} both name ${key} in their package.json "ripple".database: each service owns its own database and account.`)
      owners.set(key, e.name)
    }
  }
  for (const key of ['port', 'portVariable'] as const) {
    const seen = new Map<unknown, string>()
    for (const e of entries) {
      const other = seen.get(e[key])
      if (other) throw new StackError('INVALID_SERVICE', `Services ${other} and ${e.name} both name ${key} ${String(e[key])} in their package.json "ripple" field: give each its own.`)
      seen.set(e[key], e.name)
    }
  }
  return entries.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name))
}
