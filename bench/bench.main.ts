// Bench's own entry point: `./ripple bench` and `./ripple load` run this file as a child process,
// so the stack's CLI never loads the benchmarks or their dependencies.
import { Command, InvalidArgumentError } from 'commander'
import { loadStackConfig, StackError } from '@ripple/stack'
import type { StackConfig } from '@ripple/stack'
import { printJobsLoad, runJobsLoad } from './load/jobs.load.ts'
import { runBenchSuite } from './suite/bench.suite.ts'

const log = (line: string) => { process.stderr.write(`ripple: ${line}\n`) }

function withConfig<A extends unknown[]> (action: (config: StackConfig, ...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await action(loadStackConfig(), ...args)
    } catch (err) {
      log(err instanceof StackError ? err.message : `unexpected failure: ${(err as Error).stack ?? String(err)}`)
      process.exitCode = 1
    }
  }
}

const count = (name: string, min: number) => (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`--${name} must be a whole number of at least ${min}.`)
  return n
}

const program = new Command('ripple')

program.command('load')
  .description('load a pipeline: `jobs` posts jobs to the receiver at a fixed rate and follows a sample through informer')
  .argument('<pipeline>', 'jobs')
  .option('--rps <n>', 'requests per second', count('rps', 1), 25)
  .option('--duration <seconds>', 'how long', count('duration', 1), 60)
  .option('--connections <n>', 'most HTTP connections to the receiver at once', count('connections', 1), 64)
  .option('--sleep <ms>', 'each job\'s sleep (receiver default when absent)', count('sleep', 0))
  .option('--data-size <bytes>', 'each job\'s data size (receiver default when absent)', count('data-size', 0))
  .option('--samples <n>', 'jobs followed through informer', count('samples', 1), 200)
  .option('--finish-timeout <seconds>', 'how long to wait for the followed jobs after the load', count('finish-timeout', 1), 120)
  .option('--json', 'print the figures as JSON')
  .action(withConfig(async (config, pipeline: string, opts: { rps: number, duration: number, connections: number, sleep?: number, dataSize?: number, samples: number, finishTimeout: number, json?: boolean }) => {
    if (pipeline !== 'jobs') throw new StackError('UNKNOWN_PIPELINE', `There is no load for "${pipeline}": name jobs.`)
    const result = await runJobsLoad(config, {
      rps: opts.rps, durationSeconds: opts.duration, connections: opts.connections, sleepMs: opts.sleep, dataSize: opts.dataSize,
      samples: opts.samples, finishTimeoutSeconds: opts.finishTimeout
    }, log)
    if (opts.json) console.log(JSON.stringify(result, null, 2))
    else printJobsLoad(result)
    if (result.requests.errors > 0 || result.requests.non2xx > 0 || result.samples.finished < result.samples.followed) process.exitCode = 1
  }))

program.command('bench')
  .description('every benchmark against the running stack, one after the other, then the table of figures and goals (bench/results/<date>.json and .md)')
  .option('--quick', 'short steps, about three minutes: what a reviewer runs')
  .option('--repeat <n>', 'runs of the whole plan; the table shows each figure\'s median', count('repeat', 1), 1)
  .option('--readme', 'also put the table into docs/benchmarks.md (linked from the README)')
  .action(withConfig(async (config, opts: { quick?: boolean, repeat: number, readme?: boolean }) => {
    const rows = await runBenchSuite(config, { quick: Boolean(opts.quick), repeat: opts.repeat, readme: Boolean(opts.readme) }, log)
    if (rows.some(r => r.met === undefined)) process.exitCode = 1
  }))

await program.parseAsync(process.argv)
