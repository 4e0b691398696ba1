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
  /** What the service does on Kafka (exact topic names and group ids), from which its ACLs are made. */
  kafka: z.object({
    consumes: z.array(z.string().min(1)).default([]),
    produces: z.array(z.string().min(1)).default([]),
    groups: z.array(z.string().min(1)).default([])
  }).strict().optional(),
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
  }).strict().optional()
}).strict()

/** Accounts the stack itself uses (admin, CDC, root, the JDBC sink): no service may take one. */
const RESERVED_ACCOUNTS = ['ripple', 'debezium', 'root', 'postgres', 'jdbc_sink', 'mysql', 'mariadb.sys']

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
