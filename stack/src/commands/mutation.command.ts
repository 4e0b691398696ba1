import { existsSync, globSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { execa } from 'execa'
import { serviceEnv } from '../components/service.ts'
import type { StackConfig } from '../config.ts'
import { testFiles, unitTestFiles } from './test.command.ts'

/**
 * What mutation testing mutates: the shared kit, and each service's core (entities and
 * interactors), whose behaviour the unit tests are meant to pin down.
 */
export const MUTATION_SCOPE = [
  'packages/kit/src/**/*.ts',
  'services/*/src/entities/**/*.ts',
  'services/*/src/interactors/**/*.ts'
]

/** Where Stryker writes its generated config and its reports (gitignored). */
const REPORTS = 'reports/mutation'
/** Stryker's sandboxes (gitignored). */
const TEMP = '.stryker-tmp'

export interface MutationPlan {
  /** The source files to mutate, relative to the repo root. */
  mutate: string[]
  /** The unit test files of the workspaces those files belong to. */
  tests: string[]
}

/** A path as given on the command line, made relative to the repo root, without a trailing slash. */
function normalize (repoRoot: string, path: string): string {
  return relative(repoRoot, resolve(path)).replace(/\/+$/, '')
}

/** packages/kit or services/<name>: the workspace a file belongs to. */
function workspaceOf (file: string): string {
  return file.split('/').slice(0, 2).join('/')
}

/**
 * The sources in scope under `paths` (all of the scope when none is given), and the unit tests
 * (no @ripple/testing nor @ripple/stack) of their workspaces: Stryker runs nothing that needs the stack.
 */
export function mutationPlan (repoRoot: string, paths: string[]): MutationPlan {
  const roots = paths.map(p => normalize(repoRoot, p))
  const inScope = [...new Set(MUTATION_SCOPE.flatMap(p => globSync(p, { cwd: repoRoot })))].sort()
  const mutate = roots.length === 0 ? inScope : inScope.filter(f => roots.some(r => r === '' || f === r || f.startsWith(`${r}/`)))
  const workspaces = [...new Set(mutate.map(workspaceOf))]
  const tests = unitTestFiles(repoRoot, testFiles(repoRoot, workspaces.map(w => `${w}/test/**/*.test.ts`)))
  return { mutate, tests }
}

/**
 * Stryker's options for a plan; written to reports/mutation/stryker.config.json for each run.
 * `concurrency`: test processes (and type checkers) side by side; the machine has two cores, and
 * other work (the stack) runs beside it, so 1 unless asked.
 */
export function strykerConfig (plan: MutationPlan, concurrency = 1): Record<string, unknown> {
  return {
    $schema: '../../node_modules/@stryker-mutator/core/schema/stryker-schema.json',
    plugins: ['@stryker-mutator/typescript-checker', join(import.meta.dirname, 'node-test.stryker-runner.ts')],
    testRunner: 'node-test',
    nodeTest: { testFiles: plan.tests },
    coverageAnalysis: 'perTest',
    mutate: plan.mutate,
    ignorers: ['log-messages'],
    checkers: ['typescript'],
    tsconfigFile: 'tsconfig.mutation.json',
    concurrency,
    timeoutMS: 3000,
    // The sandbox holds only what the mutated sources and their unit tests need (node_modules is linked).
    ignorePatterns: ['/*', '!/package.json', '!/tsconfig.json', '!/tsconfig.mutation.json', '!/packages', '!/services', '!/packages/*/node_modules', '!/services/*/node_modules'],
    tempDirName: TEMP,
    cleanTempDir: true,
    reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
    htmlReporter: { fileName: `${REPORTS}/mutation.html` },
    jsonReporter: { fileName: `${REPORTS}/mutation.json` },
    clearTextReporter: { allowColor: false, logTests: false },
    thresholds: { high: 80, low: 60, break: null }
  }
}

interface ReportedMutant { status: string }
interface MutationReport { files: Record<string, { mutants: ReportedMutant[] }> }

/**
 * Stryker's mutation score: killed and timed-out mutants over all that compiled (survived and
 * not covered count against it; compile errors and ignored ones are left out).
 */
export function mutationScore (report: MutationReport): number {
  const count: Record<string, number> = {}
  for (const { mutants } of Object.values(report.files)) for (const { status } of mutants) count[status] = (count[status] ?? 0) + 1
  const detected = (count.Killed ?? 0) + (count.Timeout ?? 0)
  const valid = detected + (count.Survived ?? 0) + (count.NoCoverage ?? 0)
  return valid === 0 ? 0 : detected / valid * 100
}

/**
 * `./ripple test --mutation [paths]`: Stryker mutates the scope's sources (or those under `paths`)
 * in its sandbox and runs their unit tests against each mutant. It never starts the stack.
 * The last line it prints is `mutation score: N%`.
 */
export async function runMutation (config: StackConfig, paths: string[], log: (line: string) => void, concurrency = 1): Promise<number> {
  const started = performance.now()
  const plan = mutationPlan(config.repoRoot, paths)
  if (plan.mutate.length === 0) {
    log(`nothing to mutate under ${paths.join(', ')}: the scope is ${MUTATION_SCOPE.join(', ')}`)
    return 1
  }
  if (plan.tests.length === 0) {
    log(`no unit tests for ${paths.join(', ')}: every mutant would survive`)
    return 1
  }
  log(`mutation testing ${plan.mutate.length} source file(s) with ${plan.tests.length} unit test file(s), ${concurrency} at a time; the stack is not used`)
  const reports = join(config.repoRoot, REPORTS)
  mkdirSync(reports, { recursive: true })
  const configFile = join(reports, 'stryker.config.json')
  writeFileSync(configFile, `${JSON.stringify(strykerConfig(plan, concurrency), null, 2)}\n`)
  const jsonReport = join(reports, 'mutation.json')
  rmSync(jsonReport, { force: true })
  const stryker = join(config.repoRoot, 'node_modules/@stryker-mutator/core/bin/stryker.js')
  // Unit tests that start a service in-process read the settings the stack gives its services.
  const result = await execa(process.execPath, ['--disable-warning=ExperimentalWarning', stryker, 'run', relative(config.repoRoot, configFile)], {
    cwd: config.repoRoot, reject: false, stdio: 'inherit', env: serviceEnv(config)
  })
  if (result.exitCode !== 0 || !existsSync(jsonReport)) {
    log(`Stryker FAILED (exit ${result.exitCode ?? 'none'})`)
    return result.exitCode || 1
  }
  const score = mutationScore(JSON.parse(readFileSync(jsonReport, 'utf8')) as MutationReport)
  log(`mutation testing done in ${((performance.now() - started) / 1000).toFixed(0)} s; report: ${relative(config.repoRoot, join(reports, 'mutation.html'))}`)
  console.log(`mutation score: ${score.toFixed(2)}%`)
  return 0
}
