// The stack at rest: what each process costs with no traffic at all (Debezium's source polling,
// consumers' fetch loops, lag and dead-letter checks, metrics scrapes). Run it on a stack that has
// settled after `./ripple up` and with nothing else sending to it.
//   node bench/rest/rest.bench.ts [--seconds 30] [--settle 5]
import { availableParallelism, loadavg } from 'node:os'
import { setTimeout as delay } from 'node:timers/promises'
import { loadStackConfig } from '@ripple/stack'
import { benchOptions } from '../support/args.ts'
import { printTable } from '../support/report.ts'
import { componentPids, coresBetween, MACHINE, OTHERS, sampleCpu } from '../support/stack-cpu.ts'

const { seconds, settle } = benchOptions({ seconds: 30, settle: 5 })
// Benchmarks log in to Kafka as the tests' principal, ripple-test.
const config = loadStackConfig({ ...process.env, RIPPLE_KAFKA_PRINCIPAL: 'ripple-test' })
const log = (line: string) => console.error(`rest: ${line}`)

const pids = componentPids(config.paths.pm2)
if (pids.size === 0) throw new Error(`no stack processes under ${config.paths.pm2}: start the stack with ./ripple up`)
// A bench that just finished leaves consumers draining and JVMs collecting: the first seconds are not rest.
await delay(settle * 1000)
log(`sampling ${pids.size} processes for ${seconds} s`)
const before = sampleCpu(pids)
const started = performance.now()
await delay(seconds * 1000)
const cores = coresBetween(before, sampleCpu(pids), (performance.now() - started) / 1000)
const restarted = [...pids].filter(([name, pid]) => componentPids(config.paths.pm2).get(name) !== pid).map(([name]) => name)
for (const name of restarted) cores.delete(name)

const stack = [...cores].filter(([name]) => name !== OTHERS && name !== MACHINE).sort((a, b) => b[1] - a[1])
const stackCores = stack.reduce((sum, [, c]) => sum + c, 0)
console.log(`\nthe stack at rest: ${seconds} s with no traffic, cores busy per process (of ${availableParallelism()})`)
printTable([
  ['process', 'cores'],
  ...stack.map(([name, c]) => [name, c.toFixed(3)]),
  ['stack total', stackCores.toFixed(3)],
  [OTHERS, (cores.get(OTHERS) ?? 0).toFixed(3)],
  [MACHINE, (cores.get(MACHINE) ?? 0).toFixed(3)]
])
if (restarted.length > 0) console.log(`restarted while sampled, so left out: ${restarted.join(', ')}`)
console.log(`RESULT ${JSON.stringify({ seconds, stackCores, perProcess: Object.fromEntries(stack), otherCores: cores.get(OTHERS), machineCores: cores.get(MACHINE), restarted, loadAverage: loadavg() })}`)
