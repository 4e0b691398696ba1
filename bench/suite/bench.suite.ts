// `./ripple bench [--quick] [--repeat N]`: every benchmark against the running stack, one after
// the other (on a 2-core machine two at once would measure each other), then one table of the
// figures the project aims at, written to bench/results/ and printed.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { endpoints, StackError, status } from '@ripple/stack'
import { connectFetch } from '@ripple/operations'
import type { StackConfig } from '@ripple/stack'
import { markdownTable, summarise } from './bench.goals.ts'
import type { RunResults, SummaryRow } from './bench.goals.ts'
import { benchPlan } from './bench.plan.ts'

export interface BenchSuiteOptions {
  quick: boolean
  /** Runs of the whole plan; the table shows each figure's median. */
  repeat: number
  /** Replace the table in docs/benchmarks.md (which the README links to) with this run's. */
  readme: boolean
}

interface StepOutcome { name: string, command: string, seconds: number, exitCode: number | undefined, result?: unknown }
interface Run { startedAt: string, loadAverageBefore: number[], loadAverageAfter: number[], steps: StepOutcome[] }

const README_START = '<!-- bench:table:start -->'
const README_END = '<!-- bench:table:end -->'

/** Versions of what the figures were measured on, each best effort: a missing one is not a reason to fail the run. */
async function versions (config: StackConfig): Promise<Record<string, string>> {
  const ep = endpoints(config)
  const found: Record<string, string> = { node: process.version }
  const attempts: [string, () => Promise<string>][] = [
    ['kafka', async () => ((await (await connectFetch(ep.connect, '/')).json()) as { version: string }).version],
    ['debezium', async () => {
      const plugins = (await (await connectFetch(ep.connect, '/connector-plugins')).json()) as { class: string, version: string }[]
      return plugins.find(p => p.class.startsWith('io.debezium'))?.version ?? '?'
    }],
    ['mariadb', async () => {
      const connection = await mysql.createConnection(ep.mariadb)
      try {
        const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v')
        return String(rows[0]?.v)
      } finally { await connection.end() }
    }],
    ['postgresql', async () => {
      const client = new pg.Client({ ...ep.postgres, database: 'postgres' })
      await client.connect()
      try { return String((await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version) } finally { await client.end() }
    }]
  ]
  for (const [name, read] of attempts) found[name] = await read().catch((e: unknown) => `unknown (${String(e)})`)
  return found
}

function resultOf (stdout: string): unknown {
  const line = stdout.split('\n').reverse().find(l => l.startsWith('RESULT '))
  return line === undefined ? undefined : JSON.parse(line.slice('RESULT '.length))
}

async function runOnce (config: StackConfig, quick: boolean, log: (line: string) => void): Promise<{ run: Run, results: RunResults }> {
  const run: Run = { startedAt: new Date().toISOString(), loadAverageBefore: loadavg(), loadAverageAfter: [], steps: [] }
  const results: RunResults = {}
  const baselineFile = join(tmpdir(), `ripple-bench-baseline-${process.pid}.txt`)
  for (const step of benchPlan(quick)) {
    const args = [step.script, ...step.args]
    if (step.name === 'jobs' && results['kafka-baseline'] !== undefined) args.push('--baseline', baselineFile)
    log(`bench: ${step.name}: node ${args.join(' ')}`)
    const started = performance.now()
    // Its figures go to the terminal as they come; the RESULT line is also kept.
    const child = await execa(process.execPath, args, { cwd: config.repoRoot, stdout: ['pipe', 'inherit'], stderr: 'inherit', reject: false, env: { FORCE_COLOR: '0' } })
    const outcome: StepOutcome = { name: step.name, command: `node ${args.join(' ')}`, seconds: (performance.now() - started) / 1000, exitCode: child.exitCode, result: resultOf(child.stdout) }
    run.steps.push(outcome)
    if (outcome.result === undefined) log(`bench: ${step.name} printed no RESULT (exit code ${child.exitCode}); its figures show as "-"`)
    else results[step.name] = outcome.result
    if (step.name === 'kafka-baseline' && outcome.result !== undefined) await writeFile(baselineFile, `RESULT ${JSON.stringify(outcome.result)}\n`)
  }
  run.loadAverageAfter = loadavg()
  return { run, results }
}

function machine (): Record<string, unknown> {
  return { cores: availableParallelism(), cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 1024 ** 3) }
}

export function reportMarkdown (meta: { date: string, command: string, machine: Record<string, unknown>, versions: Record<string, string>, runs: Run[] }, rows: SummaryRow[]): string {
  const load = meta.runs.map(r => `${r.loadAverageBefore.map(l => l.toFixed(2)).join(' ')} → ${r.loadAverageAfter.map(l => l.toFixed(2)).join(' ')}`).join('; ')
  return [
    `Measured ${meta.date} with \`${meta.command}\` on ${meta.machine.cores} cores (${String(meta.machine.cpu)}), ${String(meta.machine.memoryGb)} GB, the whole stack on the one machine;`,
    `load average (1/5/15 min) before → after each run: ${load}.`,
    `Versions: ${Object.entries(meta.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    markdownTable(rows)
  ].join('\n')
}

export async function runBenchSuite (config: StackConfig, options: BenchSuiteOptions, log: (line: string) => void): Promise<SummaryRow[]> {
  const down = (await status(config)).filter(c => !c.healthy)
  if (down.length > 0) throw new StackError('STACK_DOWN', `The benchmarks need the whole stack healthy, and ${down.map(c => c.name).join(', ')} ${down.length === 1 ? 'is' : 'are'} not: run ./ripple up first.`)
  const command = `./ripple bench${options.quick ? ' --quick' : ''}${options.repeat > 1 ? ` --repeat ${options.repeat}` : ''}`
  const runs: Run[] = []
  const results: RunResults[] = []
  for (let i = 1; i <= options.repeat; i++) {
    log(`bench: run ${i} of ${options.repeat}${options.quick ? ' (quick)' : ''}`)
    const once = await runOnce(config, options.quick, log)
    runs.push(once.run)
    results.push(once.results)
  }
  const rows = summarise(results)
  const date = new Date().toISOString().slice(0, 10)
  const meta = { date, command, machine: machine(), versions: await versions(config), runs }
  const markdown = reportMarkdown(meta, rows)
  const dir = join(config.repoRoot, 'bench', 'results')
  const base = join(dir, `${date}${options.quick ? '-quick' : ''}`)
  await mkdir(dir, { recursive: true })
  await writeFile(`${base}.json`, `${JSON.stringify({ ...meta, summary: rows, results }, null, 2)}\n`)
  await writeFile(`${base}.md`, `${markdown}\n`)
  console.log(`\n${markdown}\n`)
  log(`bench: wrote ${base}.json and ${base}.md`)
  if (options.readme) {
    const readmeFile = join(config.repoRoot, 'docs', 'benchmarks.md')
    const readme = await readFile(readmeFile, 'utf8')
    const start = readme.indexOf(README_START)
    const end = readme.indexOf(README_END)
    if (start < 0 || end < start) throw new StackError('README_MARKERS', `docs/benchmarks.md has no ${README_START} … ${README_END} block to put the table in: add the two lines where it belongs.`)
    await writeFile(readmeFile, `${readme.slice(0, start + README_START.length)}\n${markdown}\n${readme.slice(end)}`)
    log('bench: docs/benchmarks.md table updated')
  }
  return rows
}
