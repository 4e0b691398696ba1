import { parseInput } from '@ripple/kit'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { JobInfo } from '../entities/job-view.entity.ts'
import type { GetJobInfo } from '../interactors/get-job-info.interactor.ts'

const infoParams = z.object({ id: z.uuid('must be a UUID') })

/** The seed's answer: no finish_date before the job finished, only id and status for an unknown one. */
function present (info: JobInfo) {
  if (info.status === 'unknown') return { id: info.id, status: info.status }
  return { id: info.id, status: info.status, create_date: info.createDate, ...(info.finishDate === null ? {} : { finish_date: info.finishDate }) }
}

export interface InfoMetrics {
  looked (status: JobInfo['status']): void
}

export function registerInfoRoutes (app: FastifyInstance, deps: { getJobInfo: GetJobInfo, metrics: InfoMetrics }): void {
  app.get('/info/:id', async req => {
    const { id } = parseInput(infoParams, req.params, 'id')
    const info = await deps.getJobInfo(id.toLowerCase())
    deps.metrics.looked(info.status)
    return present(info)
  })
}
