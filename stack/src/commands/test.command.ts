import { existsSync, globSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { execa } from 'execa'
import { serviceEnv } from '../components/service.ts'
import type { StackConfig } from '../config.ts'
import { ensureBinaries } from '../prerequisites.ts'
import { down, status, up } from '../stack.ts'

/** Where test files live: each workspace's test/ folder mirrors its src/, plus the end-to-end suite in test/. */
export const TEST_GLOBS = [
  'packages/*/test/**/*.test.ts',
  'stack/test/**/*.test.ts',
  'services/*/test/**/*.test.ts',
  'test/**/*.test.ts',
  'deploy/test/**/*.test.ts'
]

/**
 * What reaches the running stack: its addresses and faults come only through these packages,
 * so a test file that imports neither, itself or through a local file it imports (a helpers
 * module), is a unit test: it needs nothing started.
 */
const STACK_PACKAGES = ['@ripple/testing', '@ripple/stack']
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

/** The unit tier: test files that need no stack. */
export function unitTestFiles (repoRoot: string, files: string[]): string[] {
  const seen = new Map<string, boolean>()
  return files.filter(f => !needsStack(resolve(repoRoot, f), seen))
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
  files: string[]
}

/**
 * The one test command: lint and types, then every test file against a real stack. A stack it
 * had to start is stopped again afterwards (unless --keep), so CI leaves nothing running.
 * `--unit` runs lint, types and the unit tier only, and never touches the stack.
 */
export async function runTests (config: StackConfig, options: TestOptions, log: (line: string) => void): Promise<number> {
  const started = performance.now()
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1)
  const node = process.execPath
  // Tests that start a service in-process read the same settings the stack gives its services.
  const run = (args: string[]) => execa(node, args, { cwd: config.repoRoot, stdio: 'inherit', reject: false, env: serviceEnv(config) })
  if (options.static) {
    log('lint (eslint) and types (tsc --noEmit)')
    // Both read the whole tree on their own; at once they take the time of the slower one.
    const [lint, types] = await Promise.all([
      run(['node_modules/eslint/bin/eslint.js', '.']),
      run(['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json'])
    ])
    if (lint.exitCode !== 0) return lint.exitCode ?? 1
    if (types.exitCode !== 0) return types.exitCode ?? 1
    log(`lint and types clean after ${seconds()} s`)
  }
  const testArgs = ['--disable-warning=ExperimentalWarning', '--test', '--test-timeout=600000']

  if (options.unit) {
    const candidates = testFiles(config.repoRoot, options.files.length > 0 ? options.files.map(f => relative(config.repoRoot, resolve(f))) : TEST_GLOBS)
    const unit = unitTestFiles(config.repoRoot, candidates)
    const skipped = candidates.length - unit.length
    log(`unit tier: ${unit.length} test file(s) that import neither ${STACK_PACKAGES.join(' nor ')}; ${skipped} left to the full run`)
    if (unit.length === 0) return 0
    // Unit tests share nothing, so they may run side by side.
    const result = await run([...testArgs, ...unit])
    log(`unit tier ${result.exitCode === 0 ? 'passed' : 'FAILED'} in ${seconds()} s (lint, types and tests)`)
    return result.exitCode ?? 1
  }

  await ensureBinaries([TEST_BROWSER], log)
  const before = await status(config)
  const wasRunning = before.some(c => c.pid !== null)
  try {
    const rows = await up(config, log)
    log(`stack healthy: ${rows.map(r => r.name).join(', ')}`)
    // One file at a time: integration suites share one broker and restart components.
    const result = await run([
      ...testArgs, '--test-concurrency=1',
      ...(options.files.length > 0 ? testFiles(config.repoRoot, options.files.map(f => relative(config.repoRoot, resolve(f)))) : TEST_GLOBS)
    ])
    log(`tests ${result.exitCode === 0 ? 'passed' : 'FAILED'} in ${seconds()} s`)
    return result.exitCode ?? 1
  } finally {
    if (!wasRunning && !options.keep) {
      log('stopping the stack this test run started (--keep leaves it up)')
      await down(config, { purge: false }, log)
    }
  }
}
