import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { StackError } from './errors.ts'

/**
 * The stack's generated secrets: made once per RIPPLE_HOME (random, 0600, never committed) so a
 * fresh clone is safe without any setup, and overridable from the environment for a real
 * deployment. Services receive only the ones their package.json "ripple".secrets names.
 */
export const SECRET_NAMES = ['JWT_SECRET', 'ADMIN_KEY', 'CONFIRMATION_SECRET'] as const
export type SecretName = typeof SECRET_NAMES[number]
export type LocalSecrets = Record<SecretName, string>

const fileSchema = z.object(Object.fromEntries(SECRET_NAMES.map(n => [n, z.string().min(32)]))).partial()

const generate = (): string => randomBytes(32).toString('base64url')

/** The secrets file's values, completing it with new random ones where missing; RIPPLE_<NAME> overrides each. */
export function loadLocalSecrets (home: string, env: NodeJS.ProcessEnv): LocalSecrets {
  const file = join(home, 'secrets.json')
  let stored: Partial<LocalSecrets> = {}
  if (existsSync(file)) {
    const parsed = fileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')))
    if (!parsed.success) throw new StackError('INVALID_SECRETS', `${file} is not a valid secrets file: delete it and run again (new secrets are generated; existing sign-in tokens stop working).`)
    stored = parsed.data as Partial<LocalSecrets>
  }
  const missing = SECRET_NAMES.filter(n => stored[n] === undefined)
  if (missing.length > 0) {
    stored = { ...stored, ...Object.fromEntries(missing.map(n => [n, generate()])) }
    mkdirSync(home, { recursive: true })
    writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 })
    chmodSync(file, 0o600)
  }
  const secrets = {} as LocalSecrets
  for (const name of SECRET_NAMES) {
    const override = env[`RIPPLE_${name}`]
    if (override !== undefined && override.length < 32) throw new StackError('INVALID_ENV', `RIPPLE_${name} must have at least 32 characters; set a longer value or unset it to use the generated one.`)
    secrets[name] = override ?? stored[name] as string
  }
  return secrets
}
