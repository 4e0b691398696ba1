import pino from 'pino'
import type { DestinationStream, Logger } from 'pino'

export type { Logger }

/** Field names whose values are secrets wherever they appear in a logged object. */
export const SECRET_FIELDS = ['password', 'passwordHash', 'currentPassword', 'newPassword', 'authorization', 'token', 'accessToken', 'refreshToken', 'adminKey', 'cookie', 'webhookSecret'] as const

/** What a database driver's error carries of the statement: its text (with inlined values) and the bound values. */
const STATEMENT_FIELDS = new Set(['sql', 'values', 'params', 'parameters', 'query'])
const SECRET_SET = new Set<string>(SECRET_FIELDS.map(f => f.toLowerCase()))

const CENSOR = '[redacted]'

// pino's redact paths name fixed depths: every secret field from the top down to four levels in.
const redactPaths = SECRET_FIELDS.flatMap(f => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`, `*.*.*.*.${f}`])

/**
 * mysql2 puts the failing statement in err.sql with every bound value inlined (a password hash
 * on an INSERT into users), and repeats values of a unique key in the message ("Duplicate entry
 * '…' for key"): both are cut out, the rest of the error (code, errno, sqlState, stack) stays.
 */
function scrubDatabaseMessage (text: string): string {
  return text
    .replace(/(Duplicate entry )'(?:[^'\\]|\\.|'')*'/g, `$1'${CENSOR}'`)
    .replace(/(value: )'(?:[^'\\]|\\.|'')*'( for column)/g, `$1'${CENSOR}'$2`)
}

function scrub (value: unknown, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object') return value
  if (seen.has(value)) return value
  seen.add(value)
  if (Array.isArray(value)) return value.map(v => scrub(v, seen))
  const out: Record<string, unknown> = {}
  const isDatabaseError = 'sqlState' in value || 'sqlMessage' in value || 'sql' in value
  for (const [key, v] of Object.entries(value)) {
    if (STATEMENT_FIELDS.has(key) && isDatabaseError) continue
    if (key === 'sqlMessage') continue // the message, once more
    if (SECRET_SET.has(key.toLowerCase())) { out[key] = CENSOR; continue }
    // A cause's message is folded into the outer one's message and stack, so every error's is scrubbed.
    out[key] = (key === 'message' || key === 'stack') && typeof v === 'string' ? scrubDatabaseMessage(v) : scrub(v, seen)
  }
  return out
}

/** pino's error serializer (message, stack, cause, own fields), then the statement and any secret field dropped, at any depth. */
export function serializeError (err: unknown): unknown {
  return scrub(pino.stdSerializers.err(err as Error), new WeakSet())
}

/** JSON logs on stdout (or `destination`); secrets are cut out wherever they appear in a logged object. */
export function createLogger (name: string, level = 'info', destination?: DestinationStream): Logger {
  return pino({
    name,
    level,
    serializers: { err: serializeError, error: serializeError },
    hooks: {
      // `logger.error(err)` makes err.message the line's msg, before any serializer sees it.
      logMethod (args, method) {
        const [first, ...rest] = args as unknown[]
        if (first instanceof Error && !rest.some(a => typeof a === 'string')) {
          return method.apply(this, [first, scrubDatabaseMessage(first.message)] as Parameters<typeof method>)
        }
        return method.apply(this, args.map(a => typeof a === 'string' ? scrubDatabaseMessage(a) : a) as Parameters<typeof method>)
      }
    },
    redact: {
      paths: [...redactPaths, 'req.headers.authorization', 'req.headers.cookie', 'smtp.auth'],
      censor: CENSOR
    }
  }, destination)
}
