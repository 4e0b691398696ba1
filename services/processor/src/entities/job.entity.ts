/** A job as the receiver published it (seed 003). */
export interface Job {
  id: string
  /** RFC 3339 with nanoseconds, passed on exactly as received. */
  createDate: string
  /** The same instant in nanoseconds since the epoch. */
  createdAtNs: bigint
  sleep: number
}

/** The processor's verdict on a job: it ran its sleep and finished. */
export interface JobDone {
  id: string
  status: 'finish'
  createDate: string
  finishDate: string
}
