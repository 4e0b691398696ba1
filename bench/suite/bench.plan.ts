// What `./ripple bench` runs, in order, and with which arguments: --quick is what a reviewer runs
// (about three minutes on the 2-core VM), the full plan is what docs/benchmarks.md's table comes from.

export interface BenchStep {
  /** Names the step in the results; cdc-email runs once per rate. */
  name: string
  script: string
  args: string[]
}

export function benchPlan (quick: boolean): BenchStep[] {
  const cdcRates = quick ? [300, 600] : [300, 450, 600, 800]
  return [
    // First, before any traffic: the rest figure means nothing after a burst still drains.
    { name: 'rest', script: 'bench/rest/rest.bench.ts', args: quick ? ['--seconds', '10', '--settle', '2'] : ['--seconds', '30', '--settle', '5'] },
    { name: 'kafka-baseline', script: 'bench/kafka-baseline/kafka-baseline.bench.ts', args: ['--records', quick ? '100000' : '500000'] },
    ...cdcRates.map(rate => ({
      name: `cdc-email@${rate}`,
      script: 'bench/cdc-email/cdc-email.bench.ts',
      args: ['--rate', String(rate), '--duration', quick ? '10' : '20', '--users', quick ? '50' : '200', '--ceiling-seconds', quick ? '3' : '5', '--mail-timeout', '120']
    })),
    {
      name: 'outbox',
      script: 'bench/outbox/outbox.bench.ts',
      args: quick ? ['--duration', '6', '--idle-seconds', '3', '--ceiling-seconds', '3'] : []
    },
    {
      name: 'jobs',
      script: 'bench/jobs/jobs.bench.ts',
      // The kafka-baseline step's RESULT is handed over as --baseline, so it does not run twice.
      // --quick warms the pipeline at 1,000 first: a 10 s step measured cold is the JIT, not the pipeline.
      args: quick ? ['--rates', '1000,1500', '--step-seconds', '10'] : ['--rates', '1000,1500,2000,2500', '--step-seconds', '20']
    }
  ]
}
