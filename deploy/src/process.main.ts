import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

// The one image's entry point: RIPPLE_PROCESS names what this container runs, a service by its
// folder under services/ or one of the stack's own processes, each started as `./ripple up` does.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

const OWN: Record<string, string> = {
  'mail-capture': 'packages/mail-capture/src/main.ts',
  console: 'deploy/src/console.main.ts',
  'clickhouse-schema': 'deploy/src/clickhouse-schema.main.ts',
  connectors: 'deploy/src/connectors.main.ts',
  'console-grants': 'deploy/src/console-grants.main.ts'
}

const name = process.env.RIPPLE_PROCESS ?? ''
const entry = OWN[name] ?? (/^[a-z][a-z0-9-]*$/.test(name) ? join('services', name, 'src', 'main.ts') : undefined)
if (!entry || !existsSync(join(repoRoot, entry))) {
  console.error(`RIPPLE_PROCESS=${JSON.stringify(name)} names nothing this image runs: set it to a folder of services/ or one of ${Object.keys(OWN).join(', ')}.`)
  process.exit(2)
}
// The stack starts each process in its package's folder (services/<name>, packages/mail-capture).
process.chdir(join(repoRoot, entry, '..', '..'))
await import(pathToFileURL(join(repoRoot, entry)).href)
