import { createReadStream, existsSync } from 'node:fs'
import { basename } from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { execa } from 'execa'
import { StackError } from '../errors.ts'

// `./ripple logs`: the Node services log pino JSON, one object a line; this prints it as a person
// reads it and filters it. Other components' logs (Kafka, MariaDB, ...) are printed as they are.

export const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 }
const NAMES = new Map(Object.entries(LEVELS).map(([name, n]) => [n, name.toUpperCase()]))

/** One line of a log: what pino wrote, read, or (json false) a line of another format. */
export interface LogEntry {
  service: string
  /** Epoch ms; a line that is not pino's has the time it starts with, else the time of the line before (0 at first). */
  time: number
  level?: number
  reqId?: string
  json: boolean
  text: string
}

export interface LogFilter { minLevel?: number, reqId?: string }

// Fields every line carries or that the readable form shows in its own place.
const SHOWN = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'reqId', 'err'])

export function parseLevel (name: string): number {
  const level = LEVELS[name.toLowerCase()]
  if (level === undefined) throw new StackError('BAD_LEVEL', `--level is one of ${Object.keys(LEVELS).join(', ')}, got "${name}".`)
  return level
}

// Kafka's and Connect's log4j ("[2026-12-07 18:42:08,491]"), MariaDB's and PostgreSQL's lines start with
// a local time: --all places them by it.
const STAMP = /^\[?(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,6}))?(Z|[+-]\d{2}:?\d{2})?/

export function stampOf (line: string): number | undefined {
  const m = STAMP.exec(line)
  if (!m) return undefined
  const time = new Date(`${m[1]}T${m[2]}.${(m[3] ?? '0').slice(0, 3).padEnd(3, '0')}${m[4] ?? ''}`).getTime()
  return Number.isNaN(time) ? undefined : time
}

/** A pino line as `time LEVEL service msg reqId=… err: message k=v…`; any other line unchanged. */
export function readLine (line: string, service: string, previousTime = 0): LogEntry {
  const raw: LogEntry = { service, time: stampOf(line) ?? previousTime, json: false, text: line }
  if (!line.startsWith('{')) return raw
  let o: Record<string, unknown>
  try { o = JSON.parse(line) as Record<string, unknown> } catch { return raw }
  if (typeof o.level !== 'number' || typeof o.time !== 'number') return raw
  const name = typeof o.name === 'string' ? o.name : service
  const reqId = typeof o.reqId === 'string' ? o.reqId : undefined
  const err = o.err as { message?: unknown } | undefined
  const extra = Object.entries(o).filter(([k]) => !SHOWN.has(k)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
  const parts = [
    new Date(o.time).toISOString(), (NAMES.get(o.level) ?? String(o.level)).padEnd(5), name, String(o.msg ?? ''),
    ...(reqId ? [`reqId=${reqId}`] : []), ...(err?.message !== undefined ? [`err: ${String(err.message)}`] : []), ...extra
  ]
  return { service: name, time: o.time, level: o.level, reqId, json: true, text: parts.join('  ') }
}

/** A line without a level (not pino's) only passes when nothing is filtered on. */
export function passes (entry: LogEntry, filter: LogFilter): boolean {
  if (filter.minLevel !== undefined && (entry.level ?? -1) < filter.minLevel) return false
  if (filter.reqId !== undefined && entry.reqId !== filter.reqId) return false
  return true
}

/** Several services' entries as one log, by time; equal times keep each log's own order. */
export function mergeByTime (logs: LogEntry[][]): LogEntry[] {
  return logs.flatMap((entries, source) => entries.map((entry, at) => ({ entry, source, at })))
    .sort((a, b) => a.entry.time - b.entry.time || a.source - b.source || a.at - b.at)
    .map(x => x.entry)
}

/** In a merged log each line says whose it is; a pino line names its service already. */
export function render (entry: LogEntry, merged: boolean): string {
  return merged && !entry.json ? `${entry.service}  ${entry.text}` : entry.text
}

/** A log's last `keep` entries that pass: the newest n of a merge are among each log's newest n. */
async function readEntries (file: string, service: string, filter: LogFilter, keep: number): Promise<LogEntry[]> {
  let entries: LogEntry[] = []
  let time = 0
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    const entry = readLine(line, service, time)
    time = entry.time
    if (passes(entry, filter)) entries.push(entry)
    if (entries.length > 2 * keep + 1000) entries = entries.slice(-keep)
  }
  return entries.slice(-keep)
}

export interface LogsOptions extends LogFilter { lines: number, follow: boolean, raw: boolean }

/**
 * Prints the last `lines` entries that pass the filter, of one log or of several merged by time,
 * then with follow each new one as it comes (in arrival order: tail -F's).
 */
export async function printLogs (files: { service: string, file: string }[], options: LogsOptions, print: (line: string) => void): Promise<void> {
  const missing = files.filter(f => !existsSync(f.file))
  if (missing.length > 0 && missing.length === files.length) throw new StackError('NO_LOG', `No log for ${missing.map(f => f.service).join(', ')} yet: a component has one once ./ripple up started it.`)
  const present = files.filter(f => existsSync(f.file))
  if (options.raw) {
    await execa('tail', ['-n', String(options.lines), ...(options.follow ? ['-F'] : []), ...present.map(f => f.file)], { stdio: 'inherit', reject: false })
    return
  }
  const merged = present.length > 1
  const entries = mergeByTime(await Promise.all(present.map(f => readEntries(f.file, f.service, options, options.lines))))
  for (const entry of entries.slice(-options.lines)) print(render(entry, merged))
  if (!options.follow) return
  // tail -F names each file before its lines when it follows several: that says whose a line is.
  const tail = execa('tail', ['-n', '0', '-F', ...present.map(f => f.file)], { stdout: 'pipe', stderr: 'inherit', reject: false })
  const byFile = new Map(present.map(f => [f.file, f.service]))
  let service = present[0]!.service
  const times = new Map<string, number>()
  for await (const line of createInterface({ input: tail.stdout as Readable, crlfDelay: Infinity })) {
    const header = /^==> (.*) <==$/.exec(line)
    if (header) { service = byFile.get(header[1]!) ?? basename(header[1]!, '.log'); continue }
    if (line === '' && merged) continue
    const entry = readLine(line, service, times.get(service) ?? 0)
    times.set(service, entry.time)
    if (passes(entry, options)) print(render(entry, merged))
  }
  await tail
}
