import { resolve } from 'node:path'

interface TestEvent { type: string, data: { name: string, file?: string, nesting: number, details?: { duration_ms?: number, passed?: boolean } } }

/**
 * A `node --test` reporter that writes one JSON line per test file as it ends: its path, its wall
 * time and whether it passed. The runner reads them for the slowest files and the repeat counts.
 * Node reports each file, under process isolation, as a top-level test named by its path.
 */
export default async function * fileTimingReporter (source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  for await (const event of source) {
    const { data } = event
    if (event.type !== 'test:complete' || data.nesting !== 0 || !data.file || resolve(data.name) !== data.file) continue
    yield `${JSON.stringify({ file: data.file, ms: Math.round(data.details?.duration_ms ?? 0), passed: data.details?.passed === true })}\n`
  }
}
