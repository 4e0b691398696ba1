import { parseArgs } from 'node:util'
import { positiveInt } from './report.ts'

/**
 * A benchmark's command line, `--name value` each: options given a number are positive whole
 * numbers (that number the default), options given a string are text (`undefined` when there is no
 * default and none was passed). A wrong value stops the bench naming the option.
 */
export function benchOptions<N extends string, T extends string = never> (numbers: Record<N, number>, text: Record<T, string | undefined> = {} as Record<T, string | undefined>): Record<N, number> & Record<T, string | undefined> {
  const options: Record<string, { type: 'string', default?: string }> = {}
  for (const [name, fallback] of Object.entries<number>(numbers)) options[name] = { type: 'string', default: String(fallback) }
  for (const [name, fallback] of Object.entries<string | undefined>(text)) options[name] = fallback === undefined ? { type: 'string' } : { type: 'string', default: fallback }
  const { values } = parseArgs({ options })
  const parsed: Record<string, number | string | undefined> = { ...values }
  for (const name of Object.keys(numbers)) parsed[name] = positiveInt(name, values[name] as string | undefined)
  return parsed as Record<N, number> & Record<T, string | undefined>
}
