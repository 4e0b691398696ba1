// The hexagon's layout: a newcomer finds a service's parts by folder and file role alone, so a
// folder or file role that is not one of these fails a test instead of slowly blurring the layers.
import { readdirSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..', '..')
export const servicesDir = join(root, 'services')

/** Each layer of src/ and the roles (the suffix before `.ts`) its files may have. */
export const LAYERS: Record<string, string[]> = {
  transport: ['routes', 'handler', 'decoder', 'mapper'],
  interactors: ['interactor', 'rules'],
  entities: ['entity', 'errors'],
  ports: ['port'],
  adapters: ['adapter', 'database', 'migrations', 'schema', 'codec']
}
const TOP_LEVEL_FILES = ['app.ts', 'main.ts', 'config.ts']

/** Every problem with one service's src/: unknown folders, files of unknown role, nesting. */
export function layoutProblems (srcDir: string): string[] {
  const problems: string[] = []
  for (const entry of readdirSync(srcDir)) {
    const path = join(srcDir, entry)
    if (!statSync(path).isDirectory()) {
      if (!TOP_LEVEL_FILES.includes(entry)) problems.push(`${relative(root, path)}: only ${TOP_LEVEL_FILES.join(', ')} live at the top of src/`)
      continue
    }
    const roles = LAYERS[entry]
    if (!roles) {
      problems.push(`${relative(root, path)}: unknown folder (known: ${Object.keys(LAYERS).join(', ')})`)
      continue
    }
    for (const file of readdirSync(path)) {
      const role = /\.([a-z]+)\.ts$/.exec(file)?.[1]
      if (statSync(join(path, file)).isDirectory() || !role || !roles.includes(role)) {
        problems.push(`${relative(root, join(path, file))}: a file of ${entry}/ is named <name>.<role>.ts with role one of ${roles.join(', ')}`)
      }
    }
  }
  return problems
}
