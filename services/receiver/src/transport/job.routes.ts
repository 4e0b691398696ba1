import { HttpError, parseInput } from '@ripple/kit'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { JOB_LIMITS } from '../entities/job.entity.ts'
import type { CreateJob } from '../interactors/create-job.interactor.ts'

const bounded = (limits: { min: number, max: number, fallback: number }, unit: string) =>
  z.number({ error: `must be a whole number of ${unit}` }).int(`must be a whole number of ${unit}`)
    .min(limits.min, `must be at least ${limits.min} ${unit}`)
    .max(limits.max, `must be at most ${limits.max} ${unit}`)
    .default(limits.fallback)

// Strict, so a misspelt field (`sleeep`) is refused by name instead of silently defaulted.
const createJobBody = z.strictObject({
  sleep: bounded(JOB_LIMITS.sleep, 'milliseconds'),
  data_size: bounded(JOB_LIMITS.dataSize, 'bytes')
})

export interface JobMetrics {
  jobsCreated: { inc (): void }
}

export function registerJobRoutes (app: FastifyInstance, deps: { createJob: CreateJob, metrics: JobMetrics }): void {
  // The body is optional (the seed posts none): no body means every default.
  app.post('/create/job', async req => {
    const body = parseInput(createJobBody, req.body ?? {})
    const job = await deps.createJob({ sleep: body.sleep, dataSize: body.data_size }).catch((error: unknown) => {
      // The request was fine; the job could not be made durable, so the client may try again.
      req.log.error({ err: error }, 'job not published')
      throw new HttpError(503, 'KAFKA_UNAVAILABLE', 'the job could not be stored in Kafka; try again later')
    })
    deps.metrics.jobsCreated.inc()
    return { id: job.id, create_date: job.createDate, sleep: job.sleep, data_size: body.data_size }
  })
}
