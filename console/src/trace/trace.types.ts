// The shape of a trace, apart from the code that builds one, so each kind's tracer can use it without importing the dispatcher.
export type TraceKind = 'user' | 'post' | 'job'

export interface TraceStep {
  stage: 'row' | 'event' | 'consumer' | 'effect'
  title: string
  /** ISO time of the step when known (row lastUpdated, record timestamp, mail time, ...). */
  at?: string
  /** Reached, handled, committed or delivered. */
  ok: boolean
  details: Record<string, string | number | boolean | null>
}

export interface ChangeTrace { kind: TraceKind, id: string, found: boolean, steps: TraceStep[] }
