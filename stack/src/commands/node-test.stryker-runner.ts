/**
 * A Stryker test runner for node:test, since Stryker ships none. Each unit test file is one
 * "test" to Stryker and runs in a process of its own (`node --test --test-isolation=none <file>`,
 * Node strips the types of the sandbox's instrumented .ts sources itself):
 * - the dry run runs every file once and reports which mutants each file's process reached
 *   (node-test.stryker-preload.ts writes Stryker's counters when the process ends), so
 * - a mutant run starts only the files that reach the mutant, one after another, with the mutant
 *   switched on through Stryker's environment variable; the first failing file kills it.
 * Mutants that no file reaches are reported by Stryker as NoCoverage without a run.
 * The same module declares an ignorer, `log-messages`, that leaves log calls' message strings unmutated.
 *
 * Its options (`nodeTest` in Stryker's config): `testFiles`, the test files relative to the
 * project root, and `nodeArgs`, extra arguments for node.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { INSTRUMENTER_CONSTANTS } from '@stryker-mutator/api/core'
import type { MutantCoverage, StrykerOptions } from '@stryker-mutator/api/core'
import type { Ignorer, NodePath } from '@stryker-mutator/api/ignore'
import type { Logger } from '@stryker-mutator/api/logging'
import { commonTokens, declareClassPlugin, PluginKind, tokens } from '@stryker-mutator/api/plugin'
import { DryRunStatus, MutantRunStatus, TestStatus } from '@stryker-mutator/api/test-runner'
import type { DryRunOptions, DryRunResult, MutantRunOptions, MutantRunResult, TestResult, TestRunner, TestRunnerCapabilities } from '@stryker-mutator/api/test-runner'

export interface NodeTestOptions {
  testFiles: string[]
  nodeArgs?: string[]
}

/** One test file's process: how it ended, and what Stryker's counters held at its end. */
interface FileRun {
  outcome: 'passed' | 'failed' | 'timeout'
  ms: number
  output: string
  coverage: MutantCoverage | null
  hitCount: number | null
}

const PRELOAD = pathToFileURL(join(import.meta.dirname, 'node-test.stryker-preload.ts')).href
/** What a failing file's output is cut to in Stryker's report. */
const FAILURE_TAIL = 4000

export class NodeTestRunner implements TestRunner {
  static inject = tokens(commonTokens.logger, commonTokens.options)
  private readonly log: Logger
  private readonly settings: NodeTestOptions
  private readonly scratch: string
  private running: ChildProcess | undefined

  constructor (log: Logger, options: StrykerOptions) {
    this.log = log
    const settings = (options as StrykerOptions & { nodeTest?: NodeTestOptions }).nodeTest
    if (!settings || settings.testFiles.length === 0) throw new Error('The node-test runner needs nodeTest.testFiles in the Stryker config.')
    this.settings = settings
    this.scratch = mkdtempSync(join(tmpdir(), 'ripple-stryker-'))
  }

  capabilities (): TestRunnerCapabilities {
    // Every run is a new process, so a mutant that acts while modules load is seen as well.
    return { reloadEnvironment: true }
  }

  async dryRun (options: DryRunOptions): Promise<DryRunResult> {
    const deadline = Date.now() + options.timeout
    const tests: TestResult[] = []
    const perTest: MutantCoverage['perTest'] = {}
    for (const file of this.settings.testFiles) {
      const run = await this.runFile(file, {}, deadline - Date.now())
      if (run.outcome === 'timeout') return { status: DryRunStatus.Timeout, reason: `${file} did not finish in time` }
      tests.push(run.outcome === 'passed'
        ? { id: file, name: file, fileName: file, timeSpentMs: run.ms, status: TestStatus.Success }
        : { id: file, name: file, fileName: file, timeSpentMs: run.ms, status: TestStatus.Failed, failureMessage: run.output.slice(-FAILURE_TAIL) })
      // A process runs one file, so all that it reached (imports included) is that file's.
      const reached: Record<string, number> = {}
      for (const counts of [run.coverage?.static ?? {}, ...Object.values(run.coverage?.perTest ?? {})]) {
        for (const [id, n] of Object.entries(counts)) reached[id] = (reached[id] ?? 0) + n
      }
      perTest[file] = reached
    }
    return options.coverageAnalysis === 'off'
      ? { status: DryRunStatus.Complete, tests }
      : { status: DryRunStatus.Complete, tests, mutantCoverage: { static: {}, perTest } }
  }

  async mutantRun (options: MutantRunOptions): Promise<MutantRunResult> {
    const started = Date.now()
    const deadline = started + options.timeout
    const files = options.testFilter ?? this.settings.testFiles
    const env: Record<string, string> = { [INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT_ENV_VARIABLE]: options.activeMutant.id }
    if (options.hitLimit !== undefined) env.RIPPLE_STRYKER_HIT_LIMIT = String(options.hitLimit)
    const killedBy: string[] = []
    let failureMessage = ''
    let ran = 0
    for (const file of files) {
      const run = await this.runFile(file, env, deadline - Date.now())
      ran++
      if (run.outcome === 'timeout') return { status: MutantRunStatus.Timeout, reason: `${file} did not finish in time` }
      if (options.hitLimit !== undefined && run.hitCount !== null && run.hitCount > options.hitLimit) {
        return { status: MutantRunStatus.Timeout, reason: `hit limit reached (${run.hitCount}/${options.hitLimit})` }
      }
      if (run.outcome === 'failed') {
        killedBy.push(file)
        failureMessage ||= run.output.slice(-FAILURE_TAIL)
        if (!options.disableBail) break
      }
    }
    const duration = Date.now() - started
    return killedBy.length > 0
      ? { status: MutantRunStatus.Killed, killedBy, failureMessage, nrOfTests: ran, duration }
      : { status: MutantRunStatus.Survived, nrOfTests: ran, duration }
  }

  async dispose (): Promise<void> {
    this.stop()
    rmSync(this.scratch, { recursive: true, force: true })
  }

  /** Runs one test file in a process of its own, in the sandbox (Stryker's working directory). */
  private runFile (file: string, env: Record<string, string>, timeoutMs: number): Promise<FileRun> {
    const out = join(this.scratch, 'counters.json')
    rmSync(out, { force: true })
    const args = [
      '--disable-warning=ExperimentalWarning', ...this.settings.nodeArgs ?? [],
      '--import', PRELOAD, '--test', '--test-isolation=none', '--test-reporter=dot', file
    ]
    const started = Date.now()
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, { env: { ...process.env, ...env, RIPPLE_STRYKER_OUT: out }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
      this.running = child
      const output: string[] = []
      child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()))
      let timedOut = false
      const timer = setTimeout(() => { timedOut = true; this.stop() }, Math.max(timeoutMs, 1))
      child.on('error', err => { clearTimeout(timer); reject(err) })
      child.on('close', code => {
        clearTimeout(timer)
        this.running = undefined
        let counters: { coverage: MutantCoverage | null, hitCount: number | null } = { coverage: null, hitCount: null }
        try { counters = JSON.parse(readFileSync(out, 'utf8')) } catch { /* the process died before it could write them */ }
        const outcome = timedOut ? 'timeout' : code === 0 ? 'passed' : 'failed'
        if (outcome === 'failed') this.log.debug(`${file} failed (exit ${code})`)
        resolve({ outcome, ms: Date.now() - started, output: output.join(''), ...counters })
      })
    })
  }

  /** Kills the running test process and whatever it started (its own process group). */
  private stop (): void {
    const pid = this.running?.pid
    if (pid === undefined) return
    try { process.kill(-pid, 'SIGKILL') } catch { /* already gone */ }
  }
}

/** The few fields of Babel's NodePath that the ignorer reads. */
interface BabelPath {
  node: { type: string }
  parent: { type: string, callee?: { type: string, property?: { type: string, name?: string } } } | null
  listKey?: string | undefined
}

const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])

/**
 * Leaves out the message strings of log calls (`logger.warn({ ... }, 'message failed, retrying')`):
 * a mutated message changes no behaviour a test should pin down. The fields logged beside it are
 * still mutated.
 */
export class LogMessageIgnorer implements Ignorer {
  shouldIgnore (path: NodePath): string | undefined {
    const { node, parent, listKey } = path as BabelPath
    if (node.type !== 'StringLiteral' && node.type !== 'TemplateLiteral') return undefined
    if (parent?.type !== 'CallExpression' || listKey !== 'arguments') return undefined
    const callee = parent.callee
    const method = callee?.type === 'MemberExpression' && callee.property?.type === 'Identifier' ? callee.property.name : undefined
    return method !== undefined && LOG_LEVELS.has(method) ? 'a log message' : undefined
  }
}

export const strykerPlugins = [
  declareClassPlugin(PluginKind.TestRunner, 'node-test', NodeTestRunner),
  declareClassPlugin(PluginKind.Ignore, 'log-messages', LogMessageIgnorer)
]

/** Lets Stryker check the `nodeTest` options rather than warn about an unknown key. */
export const strykerValidationSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'NodeTestRunnerOptions',
  type: 'object',
  properties: {
    nodeTest: {
      type: 'object',
      properties: {
        testFiles: { type: 'array', items: { type: 'string' } },
        nodeArgs: { type: 'array', items: { type: 'string' } }
      },
      required: ['testFiles'],
      additionalProperties: false
    }
  }
}
