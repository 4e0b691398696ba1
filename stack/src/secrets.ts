import { createHmac, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateAccessTokenKeyPair, importPrivateKey, publicKeyOf } from '@ripple/kit'
import { z } from 'zod'
import { StackError } from './errors.ts'

/**
 * The stack's generated secrets: made once per RIPPLE_HOME (random, 0600, never committed) so a
 * fresh clone is safe without any setup, and overridable from the environment for a real
 * deployment. Services receive only the ones their package.json "ripple".secrets names.
 */
// OPERATOR_KEY: the web console's write actions (reset, restart, replay) and writes to Kafka Connect
// through the gateway (compared there as its SHA-256); no service is given it.
// JWT_PRIVATE_KEY: user-service's Ed25519 signing key (PKCS#8 DER, base64url); only user-service is given it.
export const SECRET_NAMES = ['JWT_PRIVATE_KEY', 'ADMIN_KEY', 'CONFIRMATION_SECRET', 'OPERATOR_KEY'] as const
export type SecretName = typeof SECRET_NAMES[number]
export type LocalSecrets = Record<SecretName, string>

/**
 * Values derived from the secrets that are no secret themselves: JWT_PUBLIC_KEY, the public half
 * of JWT_PRIVATE_KEY (SPKI DER, base64url), with which every other service checks access tokens.
 * A service receives the ones its package.json "ripple".publicKeys names.
 */
export const PUBLIC_KEY_NAMES = ['JWT_PUBLIC_KEY'] as const
export type PublicKeyName = typeof PUBLIC_KEY_NAMES[number]
export type PublicKeys = Record<PublicKeyName, string>

export function publicKeysOf (secrets: LocalSecrets): PublicKeys {
  return { JWT_PUBLIC_KEY: publicKeyOf(secrets.JWT_PRIVATE_KEY) }
}

/** A new JWT_PRIVATE_KEY (Ed25519, PKCS#8 DER in base64url), for the deployments' secrets too. */
export const newSigningKey = (): string => generateAccessTokenKeyPair().privateKey
/** JWT_PUBLIC_KEY for a JWT_PRIVATE_KEY. */
export const signingPublicKey = (privateKey: string): string => publicKeyOf(privateKey)

/**
 * The stack's own secret, never given to a service: every database account's password is derived
 * from it (HMAC of engine and account name), so an account added later needs no new entry.
 */
const DATABASE_SECRET = 'DATABASE_SECRET'
const STORED_NAMES = [...SECRET_NAMES, DATABASE_SECRET] as const
type StoredName = typeof STORED_NAMES[number]

const fileSchema = z.object(Object.fromEntries(STORED_NAMES.map(n => [n, z.string().min(32)]))).partial()

const generate = (name: StoredName): string => name === 'JWT_PRIVATE_KEY' ? newSigningKey() : randomBytes(32).toString('base64url')

/** A key that is not an Ed25519 private key fails here, at `up`, rather than in user-service. */
function checkKey (name: SecretName, value: string, where: string): string {
  if (name !== 'JWT_PRIVATE_KEY') return value
  try {
    importPrivateKey(value)
  } catch (error) {
    throw new StackError('INVALID_SECRETS', `${where} is not an Ed25519 private key (PEM, or PKCS#8 DER in base64url): ${(error as Error).message}. Generate one with \`openssl genpkey -algorithm ed25519\`, or unset it to use the generated one.`)
  }
  return value
}

/** The secrets file's values, completed with new random ones where missing (and written back, 0600). */
function storedSecrets (home: string): Record<StoredName, string> {
  const file = join(home, 'secrets.json')
  let stored: Partial<Record<StoredName, string>> = {}
  if (existsSync(file)) {
    const parsed = fileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')))
    if (!parsed.success) throw new StackError('INVALID_SECRETS', `${file} is not a valid secrets file: delete it and run again (new secrets are generated; existing sign-in tokens stop working).`)
    stored = parsed.data as Partial<Record<StoredName, string>>
  }
  const missing = STORED_NAMES.filter(n => stored[n] === undefined)
  if (missing.length > 0) {
    stored = { ...stored, ...Object.fromEntries(missing.map(n => [n, generate(n)])) }
    mkdirSync(home, { recursive: true })
    writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 })
    chmodSync(file, 0o600)
  }
  return stored as Record<StoredName, string>
}

function override (env: NodeJS.ProcessEnv, variable: string): string | undefined {
  const value = env[variable]
  if (value !== undefined && value.length < 32) throw new StackError('INVALID_ENV', `${variable} must have at least 32 characters; set a longer value or unset it to use the generated one.`)
  return value
}

/** The secrets services may be given; RIPPLE_<NAME> overrides each. */
export function loadLocalSecrets (home: string, env: NodeJS.ProcessEnv): LocalSecrets {
  const stored = storedSecrets(home)
  const secrets = {} as LocalSecrets
  for (const name of SECRET_NAMES) {
    const variable = `RIPPLE_${name}`
    const set = override(env, variable)
    secrets[name] = set === undefined ? checkKey(name, stored[name], `${name} in ${join(home, 'secrets.json')}`) : checkKey(name, set, variable)
  }
  return secrets
}

export type DatabaseEngine = 'mariadb' | 'postgres'
/**
 * Where an account lives: a database engine (Cassandra's and ClickHouse's roles too), Kafka (a
 * SCRAM-SHA-512 principal), or Kafka Connect's REST API (HTTP Basic).
 */
export type AccountEngine = DatabaseEngine | 'kafka' | 'connect' | 'cassandra' | 'clickhouse'

/** The environment variable that sets one account's password instead of the derived one. */
export function passwordVariable (engine: AccountEngine, account: string): string {
  return `RIPPLE_${engine.toUpperCase()}_${account.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PASSWORD`
}

/**
 * Every database account's (and Kafka principal's) password: RIPPLE_<ENGINE>_<ACCOUNT>_PASSWORD when set, else derived
 * from the home's DATABASE_SECRET (RIPPLE_DATABASE_SECRET overrides it), so it is stable per
 * RIPPLE_HOME, different in every home, and never a public default.
 */
export function databasePasswords (home: string, env: NodeJS.ProcessEnv): (engine: AccountEngine, account: string, variable?: string) => string {
  const root = override(env, `RIPPLE_${DATABASE_SECRET}`) ?? storedSecrets(home)[DATABASE_SECRET]
  return (engine, account, variable = passwordVariable(engine, account)) => {
    const set = env[variable]
    if (set !== undefined && set.length > 0) return set
    return createHmac('sha256', root).update(`${engine}:${account}`).digest('base64url')
  }
}
