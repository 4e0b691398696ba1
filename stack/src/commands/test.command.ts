import { existsSync, globSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { execa } from 'execa'
import { serviceEnv } from '../components/service.ts'
import { KAFKA_NODES_FILE, loadStackConfig } from '../config.ts'
import type { StackConfig } from '../config.ts'
import { ensureBinaries } from '../prerequisites.ts'
import { down, status, up } from '../stack.ts'

/** Where test files live: each workspace's test/ folder mirrors its src/, plus the end-to-end suite in test/. */
export const TEST_GLOBS = [
  'packages/*/test/**/*.test.ts',
  'stack/test/**/*.test.ts',
  'console/test/**/*.test.ts',
  'services/*/test/**/*.test.ts',
  'test/**/*.test.ts',
  'deploy/test/**/*.test.ts'
]

/**
 * What reaches the running stack: its faults and fixtures come only through @ripple/testing,
 * and the folders of the stack tiers hold only tests against it. A test file elsewhere that
 * imports neither, itself or through a local file it imports (a helpers module), is a unit
 * test: it needs nothing started. (@ripple/stack is not such a package: deploy/'s tests read
 * its connector files and ACLs without a stack.)
 */
const STACK_PACKAGES = ['@ripple/testing']
const STACK_FOLDERS = ['test/stack/', 'test/e2e/', 'test/cluster/']
/** Subpaths of those packages that import nothing of the stack (in-memory fakes). */
const STACKLESS = new Set(['@ripple/testing/fakes'])

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm

/** Whether a test file needs the running stack, by reading its imports (and its local imports', transitively). */
export function needsStack (file: string, seen = new Map<string, boolean>()): boolean {
  const path = resolve(file)
  const known = seen.get(path)
  if (known !== undefined) return known
  seen.set(path, false) // an import cycle adds nothing
  const text = readFileSync(path, 'utf8')
  let result = false
  for (const [, specifier] of text.matchAll(IMPORT)) {
    if (!specifier) continue
    if (!STACKLESS.has(specifier) && STACK_PACKAGES.some(p => specifier === p || specifier.startsWith(`${p}/`))) { result = true; break }
    if (specifier.startsWith('.')) {
      const target = resolve(dirname(path), specifier)
      if (target.endsWith('.ts') && existsSync(target) && needsStack(target, seen)) { result = true; break }
    }
  }
  seen.set(path, result)
  return result
}

export function testFiles (repoRoot: string, patterns: string[]): string[] {
  // A folder stands for every test file under it, so `./ripple test services/user-service` works.
  const expanded = patterns.map(p => existsSync(resolve(repoRoot, p)) && statSync(resolve(repoRoot, p)).isDirectory() ? join(p, '**/*.test.ts') : p)
  const files = expanded.flatMap(p => globSync(p, { cwd: repoRoot, exclude: name => name === 'node_modules' }))
  return [...new Set(files)].sort()
}

/**
 * Files that need a three-node Kafka cluster (RIPPLE_KAFKA_NODES=3) and two Connect workers: they
 * run last, in one cluster phase, so the stack changes shape once per run.
 */
export const CLUSTER_TESTS = 'test/cluster/'

/** Import cycles and relative imports into another workspace (.dependency-cruiser.mjs), over every workspace. */
const DEPCRUISE_ARGS = ['--config', '.dependency-cruiser.mjs', '--output-type', 'err', 'packages', 'services', 'stack', 'console', 'bench', 'test', 'deploy']

/** The unit tier: test files that need no stack. */
export function unitTestFiles (repoRoot: string, files: string[]): string[] {
  const seen = new Map<string, boolean>()
  return files.filter(f => !STACK_FOLDERS.some(d => f.startsWith(d)) && !needsStack(resolve(repoRoot, f), seen))
}

/**
 * The browser the console's tests drive (through playwright-core): Debian's Chromium, installed by
 * the full test run only, since nothing the stack runs needs it.
 */
const TEST_BROWSER = { binaries: () => [{ path: '/usr/bin/chromium', aptPackage: 'chromium' }] }

export interface TestOptions {
  static: boolean
  keep: boolean
  /** Only the tests that need no stack: nothing is started, nothing is stopped. */
  unit: boolean
  /** Runs the stack's tests this many times in a row on one stack, and counts each file's passes (no retries otherwise). */
  repeat: number
  files: string[]
}

/** One test file's run, as stack/src/commands/file-timing.reporter.ts writes it. */
export interface FileRun { file: string, ms: number, passed: boolean }

/** The slowest files and the pass counts of repeated runs, as the runner prints them at the end. */
export function summarize (runs: FileRun[], repoRoot: string, repeat: number): string[] {
  const lines: string[] = []
  const byFile = new Map<string, FileRun[]>()
  for (const r of runs) byFile.set(r.file, [...byFile.get(r.file) ?? [], r])
  const slowest = [...byFile].map(([file, rs]) => ({ file, ms: Math.max(...rs.map(r => r.ms)) })).sort((a, b) => b.ms - a.ms).slice(0, 10)
  lines.push('ten slowest test files:')
  for (const { file, ms } of slowest) lines.push(`  ${(ms / 1000).toFixed(1).padStart(7)} s  ${relative(repoRoot, file)}`)
  if (repeat > 1) {
    lines.push(`passes per file in ${repeat} runs:`)
    for (const [file, rs] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${rs.filter(r => r.passed).length}/${rs.length}  ${relative(repoRoot, file)}`)
  }
  const failed = [...byFile].filter(([, rs]) => rs.some(r => !r.passed)).map(([file]) => relative(repoRoot, file))
  if (failed.length > 0) lines.push(`files with a failure: ${failed.join(', ')}`)
  return lines
}

/**
 * The one test command: lint and types, then every test file against a real stack. A stack it
 * had to start is stopped again afterwards (unless --keep), so CI leaves nothing running.
 * `--unit` runs lint, types and the unit tier only, and never touches the stack.
 *
 * The unit tier needs nothing started, so it runs (with lint and types) while `up` brings the
 * stack up; the stack's files then run one at a time, since they share one broker and restart components.
 */
export async function runTests (config: StackConfig, options: TestOptions, log: (line: string) => void): Promise<number> {
  const started = performance.now()
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1)
  const node = process.execPath
  // One timings file per `node --test` run: a reporter's destination is rewritten, not appended to.
  const timingsDir = mkdtempSync(join(tmpdir(), 'ripple-test-'))
  let runCount = 0
  const reporters = () => [
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${join(import.meta.dirname, 'file-timing.reporter.ts')}`, `--test-reporter-destination=${join(timingsDir, `run-${++runCount}.jsonl`)}`
  ]
  const testArgs = () => ['--disable-warning=ExperimentalWarning', '--test', '--test-timeout=600000', ...reporters()]
  // Tests that start a service in-process read the same settings the stack gives its services.
  // A run that shares the terminal with `up` keeps its output until it ends, so neither's lines interleave.
  const run = async (args: string[], buffered = false) => {
    const result = await execa(node, args, { cwd: config.repoRoot, reject: false, env: serviceEnv(config), ...(buffered ? { all: true } : { stdio: 'inherit' }) })
    if (buffered && result.all) process.stdout.write(`${result.all}\n`)
    return result.exitCode ?? 1
  }
  const runs = (): FileRun[] => readdirSync(timingsDir).flatMap(f => readFileSync(join(timingsDir, f), 'utf8').split('\n').filter(Boolean).map(line => JSON.parse(line) as FileRun))
  const finish = (code: number, what: string) => {
    for (const line of summarize(runs(), config.repoRoot, options.repeat)) log(line)
    log(`${what} ${code === 0 ? 'passed' : 'FAILED'} in ${seconds()} s`)
    return code
  }
  const staticChecks = async () => {
    if (!options.static) return 0
    // Each reads the whole tree on its own; at once they take the time of the slowest one.
    const [lint, imports, unused, types] = await Promise.all([
      run(['node_modules/eslint/bin/eslint.js', '.'], true),
      run(['node_modules/dependency-cruiser/bin/dependency-cruiser.mjs', ...DEPCRUISE_ARGS], true),
      // Unused files, exports and dependencies (knip.jsonc).
      run(['node_modules/knip/bin/knip.js', '--no-progress'], true),
      run(['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json'], true)
    ])
    if (lint !== 0 || imports !== 0 || unused !== 0 || types !== 0) { log('lint or types FAILED (above)'); return lint || imports || unused || types }
    log(`lint and types clean after ${seconds()} s`)
    return 0
  }
  const candidates = testFiles(config.repoRoot, options.files.length > 0 ? options.files.map(f => relative(config.repoRoot, resolve(f))) : TEST_GLOBS)
  const unit = unitTestFiles(config.repoRoot, candidates)
  const unitSet = new Set(unit)
  const stackFiles = candidates.filter(f => !unitSet.has(f) && !f.startsWith(CLUSTER_TESTS))
  const clusterFiles = candidates.filter(f => !unitSet.has(f) && f.startsWith(CLUSTER_TESTS))
  // Unit tests share nothing, so they may run side by side.
  const unitTier = async () => unit.length === 0 ? 0 : run([...testArgs(), ...unit], !options.unit)

  if (options.unit) {
    log(`unit tier: ${unit.length} test file(s) outside ${STACK_FOLDERS.join(', ')} that do not import ${STACK_PACKAGES.join(' nor ')}; ${stackFiles.length} left to the full run`)
    const checks = await staticChecks()
    if (checks !== 0) return checks
    return finish(await unitTier(), 'unit tier (lint, types and tests)')
  }

  await ensureBinaries([TEST_BROWSER], log)
  const before = await status(config)
  const wasRunning = before.some(c => c.pid !== null)
  const oneNode = loadStackConfig({ ...process.env, RIPPLE_HOME: config.paths.home, RIPPLE_KAFKA_NODES: '1' })
  const cluster = loadStackConfig({ ...process.env, RIPPLE_HOME: config.paths.home, RIPPLE_KAFKA_NODES: '3' })
  let shape: StackConfig = config
  try {
    log(`${unit.length} unit test file(s) and lint run while the stack starts; then ${stackFiles.length} file(s) against it, one at a time` +
      (clusterFiles.length > 0 ? `, then ${clusterFiles.length} on a three-node cluster` : ''))
    // A stack left as a cluster by an interrupted run is brought back to one node first.
    if (stackFiles.length > 0 && config.kafka.nodes.length !== 1) {
      await down(config, { purge: false }, log)
      shape = oneNode
    }
    const [checks, unitCode, rows] = await Promise.all([
      staticChecks(), unitTier(),
      stackFiles.length > 0 || clusterFiles.length === 0 ? up(shape, log) : Promise.resolve([])
    ])
    if (rows.length > 0) log(`stack healthy: ${rows.map(r => r.name).join(', ')}`)
    if (checks !== 0) return finish(checks, 'tests')
    let code = unitCode
    for (let i = 1; i <= options.repeat; i++) {
      if (options.repeat > 1) log(`run ${i} of ${options.repeat}`)
      if (stackFiles.length > 0) code = await run([...testArgs(), '--test-concurrency=1', ...stackFiles]) || code
      if (clusterFiles.length > 0) {
        if (shape.kafka.nodes.length !== 3) {
          await down(shape, { purge: false }, log)
          const started = performance.now()
          shape = cluster
          await up(shape, log)
          log(`cluster phase: RIPPLE_KAFKA_NODES=3 ./ripple up took ${((performance.now() - started) / 1000).toFixed(1)} s from a stopped stack (load average ${loadavg().map(l => l.toFixed(1)).join(' ')})`)
        }
        code = await run([...testArgs(), '--test-concurrency=1', ...clusterFiles]) || code
      }
    }
    return finish(code, 'tests')
  } finally {
    if (!wasRunning && !options.keep) {
      log('stopping the stack this test run started (--keep leaves it up)')
      await down(shape, { purge: false }, log)
    } else if (shape !== config && config.kafka.nodes.length === 1) {
      log('bringing the one-node stack back, as it was before the cluster phase')
      await down(shape, { purge: false }, log)
      await up(oneNode, log)
    }
    // The next `./ripple up` without RIPPLE_KAFKA_NODES starts one node again, whatever this run used.
    if (shape.kafka.nodes.length !== 1 && !(options.keep || wasRunning)) await rm(join(config.paths.conf, KAFKA_NODES_FILE), { force: true })
  }
}
