// The web console: its server, its runner, and the reads and traces the stack tests call.
export { runConsole } from './console.run.ts'
export { createConsole } from './console.server.ts'
export { consoleReads } from './store-reads.ts'
export { traceChange } from './trace/change.trace.ts'
export type { ChangeTrace, TraceStep } from './trace/change.trace.ts'
