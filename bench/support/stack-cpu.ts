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
    // Fields after "(comm)", which may itself hold spaces: state ppid ... utime(14) stime(15) cutime(16) cstime(17).
    // The c-fields hold children that exited and were reaped (PostgreSQL backends of closed connections).
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ').map(Number)
    return { ppid: f[1]!, ticks: f[11]! + f[12]! + f[13]! + f[14]! }
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

/** Busy CPU seconds of the whole machine so far (all but idle and iowait), from /proc/stat. */
function machineSeconds (): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number)
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const [user, nice, system, , , irq, softirq, steal] = ticks
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS_PER_SECOND
}

export const OTHERS = 'other processes'
export const MACHINE = 'machine total'

/**
 * CPU seconds (user + system) so far of each component with its descendants (PostgreSQL's backends
 * are children of the postmaster), plus OTHERS (everything else on the machine: other stacks, builds)
 * and MACHINE.
 */
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
  const machine = machineSeconds()
  seconds.set(OTHERS, machine - [...seconds.values()].reduce((a, b) => a + b, 0))
  seconds.set(MACHINE, machine)
  return seconds
}

/** Cores each component kept busy between two samples `seconds` apart. */
export function coresBetween (before: Map<string, number>, after: Map<string, number>, seconds: number): Map<string, number> {
  return new Map([...after].map(([name, s]) => [name, (s - (before.get(name) ?? s)) / seconds]))
}
