import DataLoader from 'dataloader'

/**
 * Calls of one statement gathered into few round trips, group-commit style: a call goes out on the
 * next turn of the event loop while fewer than `maxInFlight` statements of this kind run; beyond
 * that, calls wait for one to finish and go together as the next. At low load nothing waits; under
 * load a batch carries what arrived during a round trip, and a slow statement does not hold every
 * caller back (one in flight made the handlers move in lockstep waves). Each caller gets the
 * answer for its own row (run answers in the order of the rows it was given); a statement that
 * fails fails every caller of its batch.
 *
 * Two calls naming the same row (`identity`) never share a statement: an INSERT … ON CONFLICT DO
 * UPDATE cannot touch a row twice, so repeats go out in a statement of their own after it.
 */
export function statementBatcher<K, V> (run: (rows: K[]) => Promise<(V | Error)[]>, identity: (row: K) => string, options: { maxInFlight?: number, maxBatchSize?: number } = {}): (row: K) => Promise<V> {
  const maxInFlight = options.maxInFlight ?? 2
  let inFlight = 0
  const waiting: (() => void)[] = []
  const settle = () => {
    inFlight--
    const next = waiting.shift()
    if (next) setImmediate(next)
  }
  const loader = new DataLoader<K, V>(async rows => {
    inFlight++
    try {
      const rounds: { rows: K[], at: number[] }[] = []
      const seen = new Map<string, number>()
      rows.forEach((row, at) => {
        const id = identity(row)
        const round = seen.get(id) ?? 0
        seen.set(id, round + 1)
        rounds[round] ??= { rows: [], at: [] }
        rounds[round].rows.push(row)
        rounds[round].at.push(at)
      })
      const answers = new Array<V | Error>(rows.length)
      for (const round of rounds) {
        const values = await run(round.rows)
        if (values.length !== round.rows.length) throw new Error(`a batched statement answered ${values.length} rows for ${round.rows.length}`)
        round.at.forEach((at, i) => { answers[at] = values[i]! })
      }
      return answers
    } finally {
      settle()
    }
  }, {
    cache: false,
    maxBatchSize: options.maxBatchSize ?? 500,
    batchScheduleFn: dispatch => {
      if (inFlight + waiting.length < maxInFlight) setImmediate(dispatch)
      else waiting.push(dispatch)
    }
  })
  return row => loader.load(row)
}
