import pino from 'pino'
import type { Logger } from 'pino'

export type { Logger }

/** JSON logs on stdout; secrets are cut out wherever they appear in a logged object. */
export function createLogger (name: string, level = 'info'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['password', '*.password', '*.*.password', 'passwordHash', '*.passwordHash', 'req.headers.authorization', 'smtp.auth'],
      censor: '[redacted]'
    }
  })
}
