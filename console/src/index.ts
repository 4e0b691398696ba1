// The web console: its server, its runner, and the trace the stack tests call.
export { runConsole } from './console.run.ts'
export { createConsole } from './console.server.ts'
export { traceChange } from './trace/change.trace.ts'
export type { ChangeTrace, TraceStep } from './trace/change.trace.ts'
