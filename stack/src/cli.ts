import { fileURLToPath } from 'node:url'
import { existsSync } from 'node:fs'
import { Command, InvalidArgumentError } from 'commander'
import { execa } from 'execa'
import { contractsCommand } from './commands/contracts.command.ts'
import { listDeadLetters, replayDeadLetters, consume, createTopic, deleteGroup, deleteTopic, describeGroup, describeTopic, listGroups, listTopics, parseHeader, produce, resetGroup, checkNewestRecords, contractView, describeConformance, controlConnector, listConnectorStates, sourcePositionLost } from '@ripple/operations'
import type { ConsumedRecord, DeadLetter, ConnectorAction, ConnectorState } from '@ripple/operations'
import { runMutation } from './commands/mutation.command.ts'
import { runTests } from './commands/test.command.ts'
import { endpoints, loadStackConfig } from './config.ts'
import type { StackConfig } from './config.ts'
import { StackError } from './errors.ts'
import { listKafkaAcls } from './kafka-auth.ts'
import type { ComponentStatus } from './stack.ts'
import { down, stackComponents, status, stopComponents, up } from './stack.ts'
import { Supervisor } from './supervisor.ts'
import { consumeHint, resetTargetOf, version } from './commands/kafka.arguments.ts'
import { parseLevel, printLogs } from './commands/logs.command.ts'

const log = (line: string) => { process.stderr.write(`ripple: ${line}\n`) }

function printStatus (rows: ComponentStatus[]): void {
  printColumns(['COMPONENT', 'STATE', 'PID', 'ADDRESS', 'RESTARTS', ''], rows.map(r => [
    r.name, r.healthy ? 'healthy' : r.pid === null ? 'DOWN' : 'UNHEALTHY', r.pid === null ? '-' : String(r.pid), r.address,
    r.restarts ? `${r.restarts} (last: ${r.lastExit ?? 'unknown'})` : '0', r.reason ?? ''
  ]))
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

async function printConnectors (config: StackConfig, opts: { json?: boolean }): Promise<void> {
  const states = await listConnectorStates(endpoints(config).connect)
  if (opts.json) { console.log(JSON.stringify(states, null, 2)); return }
  for (const c of states) printConnector(c)
  if (states.some(c => c.state !== 'RUNNING' || c.tasks.some(t => t.state !== 'RUNNING'))) process.exitCode = 1
}

function printConnector (c: ConnectorState): void {
  console.log(`${c.name.padEnd(40)} ${c.state.padEnd(10)} tasks: ${c.tasks.map(t => `${t.id}=${t.state}`).join(' ') || 'none'}`)
  for (const t of c.tasks.filter(t => t.trace)) {
    console.log(`  task ${t.id}: ${t.trace?.split('\n')[0]}`)
    if (sourcePositionLost(t.trace)) console.log(`  its place in the source's log is gone: ./ripple kafka connector resnapshot ${c.name} reads its tables again`)
  }
}

/** Rows of cells under a header, each column as wide as its widest cell. */
function printColumns (header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]?.length ?? 0)))
  for (const r of [header, ...rows]) console.log(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd())
}

function printDeadLetters (letters: DeadLetter[]): void {
  for (const d of letters) {
    const from = d.originalTopic ? `${d.originalTopic}:${d.originalPartition ?? '?'}:${d.originalOffset ?? '?'}` : '(no original topic in its headers)'
    const state = d.replayedAt ? `replayed ${d.replayedAt}` : 'pending'
    console.log(`${d.partition}:${d.offset}  ${d.time}  ${state}  key=${d.key ?? '-'}  from ${from}  ${d.errorCode ?? ''}  ${d.reason ?? ''}`.trimEnd())
  }
}

function printRecord (r: ConsumedRecord): void {
  const headers = Object.entries(r.headers).map(([k, v]) => `${k}=${v}`).join(' ')
  console.log(`${r.partition}:${r.offset}  ${r.timestamp}  key=${r.key ?? '-'}${headers ? `  headers: ${headers}` : ''}`)
  if (r.change) {
    console.log(`  ${r.change.op}  ${JSON.stringify(r.change.before)} → ${JSON.stringify(r.change.after)}`)
    console.log(`  source ${JSON.stringify(r.change.source)}`)
  } else console.log(`  ${r.value ?? '(null: a tombstone)'}`)
}

const count = (name: string, min: number) => (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`--${name} must be a whole number of at least ${min}.`)
  return n
}

const program = new Command('ripple')
  .description('Ripple: database changes carried to services through Kafka, on real components.')
  .version(version(), '-V, --version', 'print Ripple\'s version (the root package.json\'s)')
  .showHelpAfterError()

program.command('up')
  .description('install what is missing, start every component and wait until each answers')
  .action(withConfig(async config => {
    const rows = await up(config, log)
    printStatus(rows)
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
    else printStatus(rows)
    if (rows.some(r => !r.healthy)) process.exitCode = 1
  }))

program.command('logs')
  .description('print (or follow) a component\'s log: the services\' pino lines as time, level, service, message, request id and error; other logs as they are')
  .argument('[component]', 'whose log (see ./ripple status)')
  .option('--all', 'every component\'s log, merged by time')
  .option('--service <names>', 'these components\' logs, merged by time (comma-separated)')
  .option('--level <min>', 'only pino lines at this level or above: trace, debug, info, warn, error, fatal')
  .option('--request-id <id>', 'only the lines of this request (pino\'s reqId)')
  .option('-f, --follow', 'keep printing as the log grows')
  .option('-n, --lines <count>', 'how many lines (after filtering)', count('lines', 0), 200)
  .option('--raw', 'the file as it is (tail), no reading or filtering')
  .action(withConfig(async (config, component: string | undefined, opts: { all?: boolean, service?: string, level?: string, requestId?: string, follow?: boolean, lines: number, raw?: boolean }) => {
    const names = stackComponents(config).map(c => c.name)
    const chosen = opts.all ? names : [...(component ? [component] : []), ...(opts.service?.split(',').map(n => n.trim()).filter(Boolean) ?? [])]
    if (chosen.length === 0) throw new StackError('NO_LOG', `Name a component (one of ${names.join(', ')}), --service a,b or --all.`)
    const supervisor = new Supervisor(config)
    const files = chosen.map(service => ({ service, file: supervisor.logFile(service) }))
    const unknown = files.filter(f => !opts.all && !existsSync(f.file)).map(f => f.service)
    if (unknown.length > 0) throw new StackError('NO_LOG', `No log for ${unknown.map(n => `"${n}"`).join(', ')} in ${config.paths.logs}: name one of ${names.join(', ')} (it has a log once ./ripple up started it).`)
    await printLogs(files, { lines: opts.lines, follow: Boolean(opts.follow), raw: Boolean(opts.raw), minLevel: opts.level === undefined ? undefined : parseLevel(opts.level), reqId: opts.requestId }, line => console.log(line))
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

// The old name of `kafka connectors`: it says the new one and fails, so a script that uses it is noticed.
program.command('connectors', { hidden: true })
  .helpOption(false)
  .allowUnknownOption()
  .allowExcessArguments()
  .action(() => {
    log('./ripple connectors is now ./ripple kafka connectors.')
    process.exitCode = 2
  })

// The benchmarks and the load generator live in bench/ with their own dependencies: these two
// commands run bench's entry point as a child process with the same Node and arguments, so the
// stack never imports bench.
const BENCH_MAIN = fileURLToPath(new URL('../../bench/bench.main.ts', import.meta.url))

for (const [name, description] of [
  ['load', 'load a pipeline: `jobs` posts jobs to the receiver at a fixed rate and follows a sample through informer (`./ripple load --help`)'],
  ['bench', 'every benchmark against the running stack, one after the other, then the table of figures and goals (`./ripple bench --help`)']
] as const) {
  program.command(name)
    .description(description)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async () => {
      const child = await execa(process.execPath, [...process.execArgv, BENCH_MAIN, ...process.argv.slice(2)], { stdio: 'inherit', reject: false })
      process.exitCode = child.exitCode ?? 1
    })
}

const kafka = program.command('kafka')
  .description('see inside Kafka: topics, messages, consumer groups and lag, connectors')

kafka.command('topics')
  .description('each topic: partitions, replication, records held, end offsets, size on disk')
  .option('--internal', 'include Kafka\'s own topics (__consumer_offsets, ...)')
  .option('--json', 'print a JSON array')
  .action(withConfig(async (config, opts: { internal?: boolean, json?: boolean }) => {
    const topics = await listTopics(config, { internal: Boolean(opts.internal) })
    if (opts.json) { console.log(JSON.stringify(topics, null, 2)); return }
    printColumns(['TOPIC', 'PARTITIONS', 'RF', 'RECORDS', 'END OFFSETS', 'BYTES'], topics.map(t => [t.name, String(t.partitions), String(t.replication), t.messages, t.endOffsets.join(','), String(t.sizeBytes)]))
  }))

const topic = kafka.command('topic').description('create, describe or delete one topic')
topic.command('describe').argument('<name>').option('--json', 'print JSON')
  .description('partitions with leader, replicas, in-sync replicas, start and end offsets; the topic\'s own settings')
  .action(withConfig(async (config, name: string, opts: { json?: boolean }) => {
    const t = await describeTopic(config, name)
    // The contract from the catalogue (packages/contracts), and whether the newest records keep it.
    const contract = contractView(name)
    const checked = await checkNewestRecords(config, name)
    if (opts.json) { console.log(JSON.stringify({ ...t, contract: contract ?? null, conformance: checked ?? null }, null, 2)); return }
    console.log(`${t.name}  id ${t.id}  ${Object.entries(t.configs).map(([k, v]) => `${k}=${v ?? ''}`).join(' ')}`.trimEnd())
    printColumns(['PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'START', 'END'], t.partitions.map(p => [String(p.partition), String(p.leader), p.replicas.join(','), p.isr.join(','), p.startOffset, p.endOffset]))
    if (!contract) { console.log('contract: none (not in the topic catalogue, packages/contracts/src/topics.catalogue.ts)'); return }
    console.log(`contract: ${contract.summary}`)
    console.log(`  key    ${contract.key}`)
    console.log(`  value  ${contract.value}${contract.fields.length > 0 ? `; fields ${contract.fields.join(', ')}` : ''}`)
    console.log(`  produced by ${contract.producers.join(', ') || 'nobody declared'}; read by ${contract.consumers.join(', ') || 'no group declared'}`)
    console.log(`  ${contract.partitions} partition(s), cleanup ${contract.cleanupPolicy}${contract.deadLetter ? `, dead letters to ${contract.deadLetter}` : ''}`)
    if (checked) console.log(`  ${describeConformance(checked)}`)
  }))
topic.command('create').argument('<name>')
  .option('--partitions <n>', 'partitions', count('partitions', 1), 3)
  .option('--replication <n>', 'replication factor (at most the number of brokers; default: the stack\'s, 3 on a cluster)', count('replication', 1))
  .action(withConfig(async (config, name: string, opts: { partitions: number, replication?: number }) => {
    const replication = opts.replication ?? config.kafka.replicationFactor
    await createTopic(config, name, { partitions: opts.partitions, replication })
    log(`created ${name} with ${opts.partitions} partition(s), replication ${replication}`)
  }))
topic.command('delete').argument('<name>')
  .action(withConfig(async (config, name: string) => {
    await deleteTopic(config, name)
    log(`deleted ${name}`)
  }))

kafka.command('produce')
  .description('send records (acks=all, idempotent): --value, or one record per line of standard input')
  .argument('<topic>')
  .option('--key <key>', 'the key of every record (same key, same partition, kept in order)')
  .option('--header <k=v>', 'a header, as many as needed', (v: string, all: [string, string][]) => [...all, parseHeader(v)], [] as [string, string][])
  .option('--value <text>', 'one record with this value instead of reading standard input')
  .option('--json', 'print {count} as JSON')
  .action(withConfig(async (config, name: string, opts: { key?: string, header: [string, string][], value?: string, json?: boolean }) => {
    let values = opts.value === undefined ? [] : [opts.value]
    if (opts.value === undefined) {
      let input = ''
      for await (const chunk of process.stdin) input += String(chunk)
      values = input.split('\n').filter(line => line.length > 0)
    }
    const sent = await produce(config, name, values, { key: opts.key, headers: opts.header })
    if (opts.json) console.log(JSON.stringify(sent))
    else log(`sent ${sent.count} record(s) to ${name}`)
  }))

kafka.command('consume')
  .description('print records: key, headers, partition, offset, time and value (Debezium changes decoded)')
  .argument('<topic>')
  .option('--group <id>', 'read and commit as this consumer group')
  .option('--from-beginning', 'from the oldest record held')
  .option('--offset <p:n>', 'partition p from offset n')
  .option('--since <age>', 'from that long ago: 30s, 10m, 2h, 1d')
  .option('--max <n>', 'stop after n records', count('max', 1))
  .option('--follow', 'keep waiting for new records (Ctrl-C ends)')
  .option('--json', 'one JSON object per line')
  .action(withConfig(async (config, name: string, opts: { group?: string, fromBeginning?: boolean, offset?: string, since?: string, max?: number, follow?: boolean, json?: boolean }) => {
    const stop = new AbortController()
    process.once('SIGINT', () => stop.abort())
    const n = await consume(config, name, { ...opts, signal: stop.signal }, r => opts.json ? console.log(JSON.stringify(r)) : printRecord(r))
    log(`${n} record(s)`)
    const hint = consumeHint(name, n, opts)
    if (hint) log(hint)
  }))

kafka.command('acls')
  .description('each principal (SCRAM user) and what its ACLs allow: resource, pattern, operations')
  .option('--json', 'print a JSON array')
  .action(withConfig(async (config, opts: { json?: boolean }) => {
    const principals = await listKafkaAcls(config)
    if (opts.json) { console.log(JSON.stringify(principals, null, 2)); return }
    printColumns(['PRINCIPAL', 'RESOURCE', 'PATTERN', 'NAME', 'OPERATIONS'], principals.flatMap(p => p.acls.length === 0
      ? [[p.principal, '-', '-', '-', '(none)']]
      : p.acls.map(a => [p.principal, a.resource, a.pattern, a.name, a.operations.join(',')])))
    log('User:admin is the super user (super.users): it needs no ACL')
  }))

kafka.command('groups')
  .description('each consumer group and its state')
  .option('--json', 'print a JSON array')
  .action(withConfig(async (config, opts: { json?: boolean }) => {
    const groups = await listGroups(config)
    if (opts.json) { console.log(JSON.stringify(groups, null, 2)); return }
    printColumns(['GROUP', 'STATE', 'PROTOCOL'], groups.map(g => [g.id, g.state, g.protocolType]))
  }))

const group = kafka.command('group').description('describe a consumer group or move its offsets')
group.command('describe').argument('<id>').option('--json', 'print JSON')
  .description('members and their partitions; committed offset, end offset and lag per partition')
  .action(withConfig(async (config, id: string, opts: { json?: boolean }) => {
    const g = await describeGroup(config, id)
    if (opts.json) { console.log(JSON.stringify(g, null, 2)); return }
    console.log(`${g.id}  ${g.state}  ${g.members.length} member(s)`)
    for (const m of g.members) console.log(`  ${m.id}  ${m.clientId}@${m.host}  ${m.assignment.map(a => `${a.topic}:${a.partitions.join(',')}`).join(' ')}`)
    printColumns(['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'MEMBER'], g.offsets.map(o => [o.topic, String(o.partition), o.committed ?? '-', o.end, o.lag ?? '-', o.member ?? '-']))
  }))
group.command('delete').argument('<id>')
  .description('delete the group and its committed offsets (refused while it has members)')
  .action(withConfig(async (config, id: string) => {
    await deleteGroup(config, id)
    log(`deleted group ${id}`)
  }))
group.command('reset').argument('<id>')
  .description('move the group\'s committed offsets on a topic (refused while it has members); --dry-run shows the plan first')
  .requiredOption('--topic <name>', 'the topic whose offsets move')
  .option('--to-earliest', 'to the oldest record held')
  .option('--to-latest', 'to the end: skip everything there now')
  .option('--to-datetime <iso>', 'to the first record at or after this time, e.g. 2026-11-30T12:00:00Z')
  .option('--to-offset <n>', 'to this offset on every partition (kept within the records held)')
  .option('--shift-by <n>', 'by n from the committed offset, e.g. -10 or 5 (kept within the records held)')
  .option('--dry-run', 'print the plan (current -> new per partition) and change nothing')
  .option('--json', 'print the plan as JSON')
  .action(withConfig(async (config, id: string, opts: { topic: string, toEarliest?: boolean, toLatest?: boolean, toDatetime?: string, toOffset?: string, shiftBy?: string, dryRun?: boolean, json?: boolean }) => {
    const plan = await resetGroup(config, id, opts.topic, resetTargetOf(opts), { dryRun: Boolean(opts.dryRun) })
    if (opts.json) { console.log(JSON.stringify(plan, null, 2)); return }
    printColumns(['TOPIC', 'PARTITION', 'CURRENT', 'NEW'], plan.map(s => [opts.topic, String(s.partition), s.current ?? '-', s.offset]))
    log(opts.dryRun ? 'dry run: nothing changed (leave out --dry-run to apply this plan)' : `group ${id} moved on ${opts.topic}`)
  }))

kafka.command('connectors')
  .description('each Kafka Connect connector with its state and its tasks\' states')
  .option('--json', 'print a JSON array')
  .action(withConfig(printConnectors))

kafka.command('connector')
  .description('restart (with all its tasks), pause or resume one connector; resnapshot: forget its offsets and read its tables again (when its place in the source\'s log is gone)')
  .argument('<action>', 'restart, pause, resume or resnapshot')
  .argument('<name>')
  .option('--json', 'print its state after as JSON')
  .action(withConfig(async (config, action: string, name: string, opts: { json?: boolean }) => {
    if (!['restart', 'pause', 'resume', 'resnapshot'].includes(action)) throw new StackError('UNKNOWN_ACTION', `A connector can be restarted, paused, resumed or snapshotted again: ./ripple kafka connector restart|pause|resume|resnapshot ${name}.`)
    const state = await controlConnector(endpoints(config).connect, name, action as ConnectorAction)
    if (opts.json) { console.log(JSON.stringify(state, null, 2)); return }
    if (state) printConnector(state)
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

program.addCommand(contractsCommand())

program.command('test')
  .description('lint, types, then unit and integration tests against a real stack (started if needed)')
  .argument('[files...]', 'only these test files')
  .option('--no-static', 'skip eslint and tsc')
  .option('--keep', 'leave a stack this run started running')
  .option('--unit', 'only lint, types and the tests that need no stack (files importing neither @ripple/testing nor @ripple/stack); starts nothing')
  .option('--repeat <n>', 'run the stack\'s tests n times in a row on one stack and print each file\'s pass count', count('repeat', 1), 1)
  .option('--mutation', 'instead: mutation testing (Stryker) of packages/kit/src and the services\' entities and interactors, or of those under the paths given, with their unit tests only; starts nothing; last line `mutation score: N%`')
  .option('--concurrency <n>', 'with --mutation: test processes side by side (default 1; the machine has two cores and the stack beside it)', count('concurrency', 1), 1)
  .action(withConfig(async (config, files: string[], opts: { static: boolean, keep?: boolean, unit?: boolean, repeat: number, mutation?: boolean, concurrency: number }) => {
    if (opts.mutation) { process.exitCode = await runMutation(config, files, log, opts.concurrency); return }
    process.exitCode = await runTests(config, { static: opts.static, keep: Boolean(opts.keep), unit: Boolean(opts.unit), repeat: opts.repeat, files }, log)
  }))

await program.parseAsync(process.argv)
// pm2's client keeps sockets open after its work is done, so the process ends itself, but only
// once stdout has drained: a large `mail --json` into a pipe would otherwise be cut short.
process.stdout.write('', () => process.exit())
