import { formatNanoTimestamp, nanosFromMs } from '@ripple/kit'
import type { Job, JobDone } from '../entities/job.entity.ts'
import type { Clock } from '../ports/clock.port.ts'
import type { JobDonePublisher } from '../ports/job-done-publisher.port.ts'

export interface FinishJobResult {
  done: JobDone
  /** From the job's creation to this processor picking it up, and to its finish, in ns. */
  pickedUpAfterNs: bigint
  finishedAfterNs: bigint
}

export type FinishJob = (job: Job, signal: AbortSignal) => Promise<FinishJobResult>

/**
 * Runs a job: it is due `sleep` ms after it was created, so a job that waited in Kafka (a busy
 * or restarted processor) does not wait its whole sleep again; the due time is capped at `sleep`
 * from now, so a creator's clock ahead of ours cannot make a job wait longer than it asked.
 * Many jobs wait at once: the wait holds no thread, only a timer.
 */
export function makeFinishJob ({ clock, publisher }: { clock: Clock, publisher: JobDonePublisher }): FinishJob {
  return async (job, signal) => {
    const created = job.createdAtNs
    const pickedUp = clock.now()
    const sleep = nanosFromMs(job.sleep)
    const due = created + sleep < pickedUp + sleep ? created + sleep : pickedUp + sleep
    await clock.waitUntil(due, signal)
    const finished = clock.now()
    const done: JobDone = { id: job.id, status: 'finish', createDate: job.createDate, finishDate: formatNanoTimestamp(finished) }
    await publisher.publish(done)
    return { done, pickedUpAfterNs: pickedUp - created, finishedAfterNs: finished - created }
  }
}
