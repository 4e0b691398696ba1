// Packages meet only through each other's front doors (their package.json exports): a relative
// import that climbs out of one workspace into another's files couples to internals the owner
// is free to move.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g

function tsFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...tsFiles(path))
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** The workspace folders of the root package.json, expanded ("packages/*" → each package). */
export function workspaces(root: string): string[] {
  const patterns = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces
  return patterns.flatMap((p) => p.endsWith('/*')
    ? readdirSync(join(root, p.slice(0, -2))).map((n) => join(root, p.slice(0, -2), n)).filter((d) => statSync(d).isDirectory())
    : [join(root, p)])
}

/** Each relative import that lands in another workspace, as "file:line → target". */
export function backDoorImports(root: string): string[] {
  const rooms = workspaces(root)
  const roomOf = (path: string) => rooms.find((r) => path === r || path.startsWith(r + sep))
  const problems: string[] = []
  for (const room of rooms) {
    for (const file of tsFiles(room)) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? ''
        const target = resolve(dirname(file), spec)
        const into = roomOf(target)
        if (into !== undefined && into !== room) {
          const line = text.slice(0, m.index).split('\n').length + (text[m.index] === '\n' ? 1 : 0)
          problems.push(`${relative(root, file)}:${line} → ${relative(root, target)}`)
        }
      }
    }
  }
  return problems
}
