// Issue 11's goals, each read from the RESULT lines of one `./ripple bench` run. A figure the run
// did not produce (a step failed, or --quick skipped it) is NaN and shows as "-".

/** The RESULT objects of one run, by step name (bench.plan.ts). */
export type RunResults = Record<string, unknown>

export interface Figure {
  figure: string
  goal: string
  /** The measured value; `met` compares it with the goal. */
  value: number
  unit: string
  met: (value: number) => boolean
  /** What the machine allows in the same run, where there is such a limit. */
  ceiling?: string
}

// The parts of each benchmark's RESULT line read here; all optional, as a step may have failed.
interface Quartet { p50?: number, p99?: number }
interface CdcEmailResult {
  rate?: number
  updates?: { achievedPerSec?: number, ok?: number, failed?: number }
  mails?: { perSec?: number, missing?: number, duplicated?: number }
  commitToMailMs?: Quartet
  cpuCores?: { load?: Record<string, number>, drain?: Record<string, number>, loadSeconds?: number, drainSeconds?: number }
  ceiling?: { updatesPerSec?: number }
}
interface OutboxRelayResult { paced?: { commitToNotifiedMs?: Quartet, missing?: number }, flat?: { postsPerSec?: number, missing?: number } }
interface OutboxResult { rate?: number, ceiling?: { perSec?: number }, cdc?: OutboxRelayResult, polling?: OutboxRelayResult }
interface JobsStep {
  rate: number
  load: {
    requests?: { errors?: number, non2xx?: number, achievedRps?: number }
    samples?: { followed?: number, finished?: number }
    createToFinishMs?: Quartet
    createToVisibleMs?: Quartet
  }
}
interface JobsResult { sleepMs?: number, steps?: JobsStep[] }
interface RestResult { stackCores?: number }
interface BaselineResult { node?: { produce?: { recordsPerSec?: number } }, java?: { produce?: { recordsPerSec?: number } } }

const at = <T>(results: RunResults, step: string): T | undefined => results[step] as T | undefined
const num = (value: unknown): number => typeof value === 'number' && Number.isFinite(value) ? value : Number.NaN

/** A cdc-email run keeps pace when nearly every update's mail is in and commit→mail p99 is within 250 ms. */
const CDC_P99_MS = 250
function cdcKeepsPace (r: CdcEmailResult | undefined): boolean {
  if (!r) return false
  return num(r.mails?.perSec) >= 0.98 * num(r.updates?.achievedPerSec) && num(r.commitToMailMs?.p99) <= CDC_P99_MS &&
    num(r.mails?.missing) === 0 && num(r.mails?.duplicated) === 0 && num(r.updates?.failed) === 0
}

/** Whole-stack CPU per update: every stack process's busy seconds over the load and the drain. */
function cdcCpuMsPerUpdate (r: CdcEmailResult | undefined): number {
  const cpu = r?.cpuCores
  if (!cpu) return Number.NaN
  let seconds = 0
  for (const [name, cores] of Object.entries(cpu.load ?? {})) {
    if (name === 'other processes' || name === 'machine total' || name.startsWith('bench')) continue
    seconds += cores * num(cpu.loadSeconds) + num(cpu.drain?.[name] ?? 0) * num(cpu.drainSeconds)
  }
  return seconds * 1000 / num(r?.updates?.ok)
}

const jobsClean = (s: JobsStep) => num(s.load.requests?.errors) === 0 && num(s.load.requests?.non2xx) === 0 &&
  num(s.load.samples?.finished) === num(s.load.samples?.followed) && num(s.load.requests?.achievedRps) >= 0.95 * s.rate

export function figures (results: RunResults): Figure[] {
  const cdcRuns = Object.entries(results).filter(([name]) => name.startsWith('cdc-email@')).map(([, r]) => r as CdcEmailResult)
  const cdc300 = at<CdcEmailResult>(results, 'cdc-email@300')
  const outbox = at<OutboxResult>(results, 'outbox')
  const jobs = at<JobsResult>(results, 'jobs')
  const rest = at<RestResult>(results, 'rest')
  const baseline = at<BaselineResult>(results, 'kafka-baseline')
  const jobsSteps = jobs?.steps ?? []
  const sleepMs = num(jobs?.sleepMs)
  const jobsBest = jobsSteps.filter(s => jobsClean(s) && num(s.load.createToFinishMs?.p99) <= sleepMs + 100 && num(s.load.createToVisibleMs?.p99) <= sleepMs + 150).at(-1)
  const jobsTop = jobsBest ?? jobsSteps[0]
  const outboxCeiling = num(outbox?.ceiling?.perSec)
  const cdcCeiling = num(cdc300?.ceiling?.updatesPerSec)
  const paced = num(outbox?.rate)
  return [
    { figure: 'cdc-email at 300 updates/s: mails/s ÷ updates/s', goal: '≥ 0.98', value: num(cdc300?.mails?.perSec) / num(cdc300?.updates?.achievedPerSec), unit: '', met: v => v >= 0.98, ceiling: `MariaDB ${fmtN(cdcCeiling)} UPDATE tx/s` },
    { figure: 'cdc-email at 300 updates/s: commit→mail p99', goal: '≤ 250 ms', value: num(cdc300?.commitToMailMs?.p99), unit: 'ms', met: v => v <= CDC_P99_MS },
    {
      figure: 'cdc-email: highest rate keeping pace (p99 ≤ 250 ms)',
      goal: '≥ 600 updates/s',
      value: cdcRuns.length === 0 ? Number.NaN : Math.max(0, ...cdcRuns.filter(cdcKeepsPace).map(r => num(r.rate))),
      unit: 'updates/s',
      met: v => v >= 600,
      ceiling: `rates tried: ${cdcRuns.map(r => num(r.rate)).join(', ')}`
    },
    { figure: 'cdc-email at 300 updates/s: whole-stack CPU per update', goal: 'report (was ≈ 6.6)', value: cdcCpuMsPerUpdate(cdc300), unit: 'CPU-ms', met: () => true },
    { figure: `outbox CDC at ${Number.isNaN(paced) ? 100 : paced} posts/s: commit→notification p99`, goal: '≤ 100 ms', value: num(outbox?.cdc?.paced?.commitToNotifiedMs?.p99), unit: 'ms', met: v => v <= 100 },
    { figure: 'outbox CDC relay sustained ÷ MariaDB two-row-tx ceiling', goal: '≥ 0.6', value: num(outbox?.cdc?.flat?.postsPerSec) / outboxCeiling, unit: '', met: v => v >= 0.6, ceiling: `MariaDB ${fmtN(outboxCeiling)} tx/s` },
    { figure: 'outbox polling relay sustained ÷ MariaDB two-row-tx ceiling', goal: '≥ 0.6', value: num(outbox?.polling?.flat?.postsPerSec) / outboxCeiling, unit: '', met: v => v >= 0.6 },
    {
      figure: `jobs sustained (sleep ${Number.isNaN(sleepMs) ? 100 : sleepMs} ms, finish p99 ≤ sleep + 100, informer p99 ≤ sleep + 150)`,
      goal: '≥ 1,500 req/s',
      value: jobsSteps.length === 0 ? Number.NaN : num(jobsBest?.rate ?? 0),
      unit: 'req/s',
      met: v => v >= 1500,
      ceiling: `Kafka: node produce ${fmtN(num(baseline?.node?.produce?.recordsPerSec))} rec/s, java ${fmtN(num(baseline?.java?.produce?.recordsPerSec))} rec/s`
    },
    { figure: `jobs at ${jobsTop?.rate ?? '-'} req/s: informer visible p99`, goal: '≤ 250 ms', value: num(jobsTop?.load?.createToVisibleMs?.p99), unit: 'ms', met: v => v <= sleepMs + 150 },
    { figure: 'the stack at rest', goal: '≤ 0.10 cores', value: num(rest?.stackCores), unit: 'cores', met: v => v <= 0.10 },
    {
      figure: 'exactly once: mails missing + doubled, outbox notifications missing',
      goal: '0',
      value: cdcRuns.length === 0 && !outbox ? Number.NaN : cdcRuns.reduce((sum, r) => sum + num(r.mails?.missing) + num(r.mails?.duplicated), 0) +
        num(outbox?.cdc?.paced?.missing ?? 0) + num(outbox?.cdc?.flat?.missing ?? 0) + num(outbox?.polling?.paced?.missing ?? 0) + num(outbox?.polling?.flat?.missing ?? 0),
      unit: '',
      met: v => v === 0
    }
  ]
}

export function fmtN (n: number): string {
  if (Number.isNaN(n)) return '-'
  if (Number.isInteger(n)) return n.toLocaleString('en-US')
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US')
  if (Math.abs(n) >= 10) return n.toFixed(1)
  return n.toFixed(2)
}

const median = (values: number[]): number => {
  const known = values.filter(v => !Number.isNaN(v)).sort((a, b) => a - b)
  if (known.length === 0) return Number.NaN
  const mid = Math.floor(known.length / 2)
  return known.length % 2 === 1 ? known[mid]! : (known[mid - 1]! + known[mid]!) / 2
}

export interface SummaryRow { figure: string, goal: string, median: number, runs: number[], unit: string, met: boolean | undefined, ceiling?: string }

/** Each figure's median over the runs (the figure a closing note may quote), with every run's value. */
export function summarise (runs: RunResults[]): SummaryRow[] {
  const perRun = runs.map(figures)
  return (perRun[0] ?? []).map((f, i) => {
    const values = perRun.map(r => r[i]!.value)
    const m = median(values)
    return { figure: f.figure, goal: f.goal, median: m, runs: values, unit: f.unit, met: Number.isNaN(m) ? undefined : f.met(m), ceiling: perRun.at(-1)![i]!.ceiling }
  })
}

export function markdownTable (rows: SummaryRow[]): string {
  const runs = rows[0]?.runs.length ?? 0
  const header = ['figure', 'goal', runs > 1 ? `median of ${runs}` : 'measured', ...(runs > 1 ? ['runs'] : []), 'met', 'ceiling (same run)']
  const lines = rows.map(r => [
    r.figure, r.goal, `${fmtN(r.median)}${r.unit && !Number.isNaN(r.median) ? ` ${r.unit}` : ''}`,
    ...(runs > 1 ? [r.runs.map(fmtN).join(' / ')] : []),
    r.met === undefined ? '-' : r.met ? 'yes' : 'no', r.ceiling ?? ''
  ])
  return [header, header.map(() => '---'), ...lines].map(cells => `| ${cells.join(' | ')} |`).join('\n')
}
