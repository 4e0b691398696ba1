import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

// CPU time of each running stack component, read from /proc (Linux): on a small machine the
// question "where does the time go" is often "which process has the cores". Read-only: pids come
// from the files pm2 keeps under its home, and nothing is sent to pm2 or the processes.

// USER_HZ: 100 on every Linux this stack runs on (getconf CLK_TCK).
const TICKS_PER_SECOND = 100

interface Stat { ppid: number, ticks: number }

function stat (pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after "(comm)", which may itself hold spaces: state ppid ... utime(14) stime(15).
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) }
  } catch {
    return undefined // exited meanwhile
  }
}

/** Component name → pid, from pm2's `<name>-<id>.pid` files. */
export function componentPids (pm2Home: string): Map<string, number> {
  const dir = join(pm2Home, 'pids')
  const pids = new Map<string, number>()
  if (!existsSync(dir)) return pids
  for (const file of readdirSync(dir)) {
    const name = /^(.+)-\d+\.pid$/.exec(file)?.[1]
    const pid = Number(readFileSync(join(dir, file), 'utf8').trim())
    if (name && Number.isInteger(pid) && pid > 0) pids.set(name, pid)
  }
  return pids
}

/** CPU seconds (user + system) so far of each component with its descendants (PostgreSQL's backends are children of the postmaster). */
export function sampleCpu (components: Map<string, number>): Map<string, number> {
  const stats = new Map<number, Stat>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const s = stat(Number(entry))
    if (s) stats.set(Number(entry), s)
  }
  const children = new Map<number, number[]>()
  for (const [pid, s] of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid])
  const seconds = new Map<string, number>()
  for (const [name, root] of components) {
    let ticks = 0
    const todo = [root]
    while (todo.length > 0) {
      const pid = todo.pop()!
      ticks += stats.get(pid)?.ticks ?? 0
      todo.push(...(children.get(pid) ?? []))
    }
    seconds.set(name, ticks / TICKS_PER_SECOND)
  }
  return seconds
}

/** Cores each component kept busy between two samples `seconds` apart. */
export function coresBetween (before: Map<string, number>, after: Map<string, number>, seconds: number): Map<string, number> {
  return new Map([...after].map(([name, s]) => [name, (s - (before.get(name) ?? s)) / seconds]))
}
