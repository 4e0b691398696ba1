import { existsSync } from 'node:fs'
import { Command, InvalidArgumentError } from 'commander'
import { execa } from 'execa'
import { listDeadLetters, printDeadLetters, replayDeadLetters } from './commands/dlq.command.ts'
import { runTests } from './commands/test.command.ts'
import { listConnectorStates } from './connectors.ts'
import { endpoints, loadStackConfig } from './config.ts'
import type { StackConfig } from './config.ts'
import { StackError } from './errors.ts'
import type { ComponentStatus } from './stack.ts'
import { down, stackComponents, status, stopComponents, up } from './stack.ts'
import { Supervisor } from './supervisor.ts'

const log = (line: string) => { process.stderr.write(`ripple: ${line}\n`) }

function printTable (rows: ComponentStatus[]): void {
  const lines = rows.map(r => [r.name, r.healthy ? 'healthy' : r.pid === null ? 'DOWN' : 'UNHEALTHY', r.pid === null ? '-' : String(r.pid), r.address, r.reason ?? ''])
  const widths = [0, 1, 2, 3].map(i => Math.max(...lines.map(l => l[i]!.length), 9))
  const header = ['COMPONENT', 'STATE', 'PID', 'ADDRESS', '']
  for (const l of [header, ...lines]) console.log(l.map((cell, i) => i < 4 ? cell.padEnd(widths[i]!) : cell).join('  ').trimEnd())
}

function withConfig<A extends unknown[]> (action: (config: StackConfig, ...args: A) => Promise<void>) {
  return async (...args: A) => {
    try {
      await action(loadStackConfig(), ...args)
    } catch (err) {
      const message = err instanceof StackError
        ? err.message
        : `unexpected failure: ${(err as Error).stack ?? String(err)}`
      log(message)
      process.exitCode = 1
    }
  }
}

const program = new Command('ripple')
  .description('Ripple: database changes carried to services through Kafka, on real components.')
  .showHelpAfterError()

program.command('up')
  .description('install what is missing, start every component and wait until each answers')
  .action(withConfig(async config => {
    const rows = await up(config, log)
    printTable(rows)
  }))

program.command('down')
  .description('stop everything `up` started (Kafka by a controlled shutdown)')
  .option('--purge', 'also delete data, config and logs (keeps downloaded jars)')
  .action(withConfig(async (config, opts: { purge?: boolean }) => {
    await down(config, { purge: Boolean(opts.purge) }, log)
  }))

program.command('stop')
  .description('stop some components or services (./ripple up starts them again)')
  .argument('<names...>')
  .option('--kill', 'SIGKILL instead of a clean shutdown (crash tests)')
  .action(withConfig(async (config, names: string[], opts: { kill?: boolean }) => {
    await stopComponents(config, names, log, { kill: Boolean(opts.kill) })
  }))

program.command('status')
  .description('each component with pid, address and health')
  .option('--json', 'print a JSON array')
  .action(withConfig(async (config, opts: { json?: boolean }) => {
    const rows = await status(config)
    if (opts.json) console.log(JSON.stringify(rows, null, 2))
    else printTable(rows)
    if (rows.some(r => !r.healthy)) process.exitCode = 1
  }))

program.command('logs')
  .description('print (or follow) the log of one component')
  .argument('<component>')
  .option('-f, --follow', 'keep printing as the log grows')
  .option('-n, --lines <count>', 'how many lines', '200')
  .action(withConfig(async (config, component: string, opts: { follow?: boolean, lines: string }) => {
    const file = new Supervisor(config).logFile(component)
    if (!existsSync(file)) {
      const names = stackComponents(config).map(c => c.name).join(', ')
      throw new StackError('NO_LOG', `No log for "${component}" in ${config.paths.logs}: name one of ${names} (it has a log once ./ripple up started it).`)
    }
    await execa('tail', ['-n', opts.lines, ...(opts.follow ? ['-F'] : []), file], { stdio: 'inherit', reject: false })
  }))

program.command('mail')
  .description('the mails the SMTP capture caught')
  .option('--json', 'print a JSON array of {to, from, subject, text, date, ...}')
  .option('--to <address>', 'only mails to this address')
  .option('--clear', 'forget every captured mail')
  .action(withConfig(async (config, opts: { json?: boolean, to?: string, clear?: boolean }) => {
    const api = `${endpoints(config).mailApiUrl}/mails`
    const res = await fetch(opts.clear ? api : `${api}${opts.to ? `?to=${encodeURIComponent(opts.to)}` : ''}`, { method: opts.clear ? 'DELETE' : 'GET' })
      .catch(() => { throw new StackError('SMTP_DOWN', `The mail capture does not answer at ${api}: start the stack with ./ripple up.`) })
    const body = await res.json() as { to: string[], from: string, subject: string, date: string }[]
    if (opts.clear) return
    if (opts.json) { console.log(JSON.stringify(body, null, 2)); return }
    for (const m of body) console.log(`${m.date}  ${m.from} -> ${m.to.join(', ')}  ${m.subject}`)
    log(`${body.length} mail(s)`)
  }))

program.command('connectors')
  .description('each Kafka Connect connector with its state and its tasks\' states')
  .option('--json', 'print a JSON array')
  .action(withConfig(async (config, opts: { json?: boolean }) => {
    const states = await listConnectorStates(endpoints(config).connectUrl)
    if (opts.json) { console.log(JSON.stringify(states, null, 2)); return }
    for (const c of states) {
      console.log(`${c.name.padEnd(40)} ${c.state.padEnd(10)} tasks: ${c.tasks.map(t => `${t.id}=${t.state}`).join(' ') || 'none'}`)
      for (const t of c.tasks.filter(t => t.trace)) console.log(`  task ${t.id}: ${t.trace?.split('\n')[0]}`)
    }
    if (states.some(c => c.state !== 'RUNNING' || c.tasks.some(t => t.state !== 'RUNNING'))) process.exitCode = 1
  }))

const count = (name: string, min: number) => (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`--${name} must be a whole number of at least ${min}.`)
  return n
}

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
    // The load generator lives with the benchmarks (bench/load); only this command loads it.
    const { printJobsLoad, runJobsLoad } = await import('../../bench/load/jobs.load.ts')
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
  .option('--readme', 'also put the table into README.md\'s performance section')
  .action(withConfig(async (config, opts: { quick?: boolean, repeat: number, readme?: boolean }) => {
    // The benchmarks live in bench/ with their dependencies; only this command loads them.
    const { runBenchSuite } = await import('../../bench/suite/bench.suite.ts')
    const rows = await runBenchSuite(config, { quick: Boolean(opts.quick), repeat: opts.repeat, readme: Boolean(opts.readme) }, log)
    if (rows.some(r => r.met === undefined)) process.exitCode = 1
  }))

const dlq = program.command('dlq')
  .description('dead letters: what a service parked on <topic>.dlq and why, and replaying it')

dlq.command('list')
  .description('each dead letter: partition, offset, key, reason, original topic/partition/offset, time')
  .argument('<dlq-topic>', 'e.g. cdc.table.userdata.users.dlq')
  .option('--json', 'print a JSON array (with values and all headers)')
  .action(withConfig(async (config, topic: string, opts: { json?: boolean }) => {
    const letters = await listDeadLetters(config, topic)
    if (opts.json) { console.log(JSON.stringify(letters, null, 2)); return }
    printDeadLetters(letters)
    log(`${letters.length} dead letter(s) on ${topic}`)
  }))

const bigint = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('--offset must be a whole number.')
  return BigInt(value)
}

dlq.command('replay')
  .description('publish dead letters again on their original topic (x-dlq-* headers dropped, x-replayed-from added)')
  .argument('<dlq-topic>')
  .option('--offset <n>', 'only the record at this offset', bigint)
  .option('--partition <p>', 'the partition of --offset, when the topic has several', count('partition', 0))
  .option('--all', 'every record on the topic')
  .option('--json', 'print what was replayed as JSON')
  .action(withConfig(async (config, topic: string, opts: { offset?: bigint, partition?: number, all?: boolean, json?: boolean }) => {
    const replayed = await replayDeadLetters(config, topic, { all: Boolean(opts.all), offset: opts.offset, partition: opts.partition })
    if (opts.json) { console.log(JSON.stringify(replayed, null, 2)); return }
    for (const r of replayed) console.log(`${topic}:${r.partition}:${r.offset} -> ${r.topic}  key=${r.key ?? '-'}`)
    log(`replayed ${replayed.length} dead letter(s) from ${topic}`)
  }))

program.command('test')
  .description('lint, types, then unit and integration tests against a real stack (started if needed)')
  .argument('[files...]', 'only these test files')
  .option('--no-static', 'skip eslint and tsc')
  .option('--keep', 'leave a stack this run started running')
  .option('--unit', 'only lint, types and the tests that need no stack (files importing neither @ripple/testing nor @ripple/stack); starts nothing')
  .action(withConfig(async (config, files: string[], opts: { static: boolean, keep?: boolean, unit?: boolean }) => {
    process.exitCode = await runTests(config, { static: opts.static, keep: Boolean(opts.keep), unit: Boolean(opts.unit), files }, log)
  }))

await program.parseAsync(process.argv)
// pm2's client keeps sockets open after its work is done, so the process ends itself, but only
// once stdout has drained: a large `mail --json` into a pipe would otherwise be cut short.
process.stdout.write('', () => process.exit())
