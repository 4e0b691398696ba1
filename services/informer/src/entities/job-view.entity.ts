/**
 * What the informer knows of a job: `created` once the receiver published it, `finish` once the
 * processor did. Dates are RFC 3339 with nanoseconds, as the services wrote them.
 */
export type JobStatus = 'created' | 'finish'

export interface JobView {
  id: string
  status: JobStatus
  createDate: string
  finishDate: string | null
}

/** One fact from a topic: receiver-topic says a job was created, processor-topic that it finished. */
export type JobEvent =
  | { kind: 'created', id: string, createDate: string }
  | { kind: 'finish', id: string, createDate: string, finishDate: string }

/** The answer to "what about job X": `unknown` for an id never seen. */
export type JobInfo = JobView | { id: string, status: 'unknown' }

/**
 * Folds an event into the view. The two topics are read independently, so a job's `created` may
 * arrive after its `finish`: finish is final and a late `created` changes nothing. Applying the
 * same event twice gives the same view, so redeliveries are harmless. A repeated finish (a
 * processor restarted before committing) carries the later finish date, as the JDBC sink's
 * upsert keeps the later record too.
 */
export function mergeJobView (current: JobView | undefined, event: JobEvent): JobView {
  const finishDate = event.kind === 'finish' ? event.finishDate : null
  if (!current) return { id: event.id, status: event.kind, createDate: event.createDate, finishDate }
  return {
    id: current.id,
    status: current.status === 'finish' || event.kind === 'finish' ? 'finish' : 'created',
    createDate: current.createDate,
    finishDate: finishDate ?? current.finishDate
  }
}
