import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { StackError } from './errors.ts'
import { SECRET_NAMES } from './secrets.ts'

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
  secrets: z.array(z.enum(SECRET_NAMES)).default([])
}).strict()

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
