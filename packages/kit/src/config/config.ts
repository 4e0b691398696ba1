import { z } from 'zod'
import { RippleError } from '../errors/ripple.error.ts'

/**
 * Reads a service's settings from the environment once, at start-up, through a zod schema:
 * a wrong value stops the service naming the variable, and nothing else reads process.env.
 */
export function loadConfig<S extends z.ZodType> (schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const parsed = schema.safeParse(env)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`).join('; ')
  throw new RippleError('INVALID_CONFIG', `Invalid configuration (${problems}); fix the environment variables and start again.`)
}

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback)

/**
 * Settings every service shares, defaulting to the local stack's ports (`./ripple up` passes
 * the actual ones when they were moved); a service extends this with its own.
 */
export const baseConfigSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KAFKA_BROKERS: z.string().default('127.0.0.1:9092').transform(s => s.split(',').map(b => b.trim()).filter(Boolean)),
  MARIADB_HOST: z.string().default('127.0.0.1'),
  MARIADB_PORT: port(3307),
  MARIADB_USER: z.string().default('ripple'),
  MARIADB_PASSWORD: z.string().default('ripple'),
  POSTGRES_HOST: z.string().default('127.0.0.1'),
  POSTGRES_PORT: port(5433),
  POSTGRES_USER: z.string().default('postgres'),
  POSTGRES_PASSWORD: z.string().default('ripple'),
  SMTP_HOST: z.string().default('127.0.0.1'),
  SMTP_PORT: port(1025)
})
export type BaseConfig = z.infer<typeof baseConfigSchema>
