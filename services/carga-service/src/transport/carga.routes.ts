import { HttpError, parseInput } from '@ripple/kit'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { cargaIdSchema, cargaValorSchema } from '@ripple/contracts'
import type { CargaEvent, StoredCarga } from '../entities/carga.entity.ts'
import type { AcceptCarga } from '../interactors/accept-carga.interactor.ts'
import type { GetCarga } from '../interactors/get-carga.interactor.ts'

export interface CargaInteractors {
  acceptCarga: AcceptCarga
  getCarga: GetCarga
}

export interface CargaMetrics {
  accepted (): void
  unchanged (): void
}


// Strict: a misspelt field (`value`) is refused by name instead of silently dropped. An id must
// be readable back at GET /carga/:id, and a URL path takes `.` and `..` as dot segments.
const addressableId = cargaIdSchema.refine(id => id !== '.' && id !== '..', 'must not be "." or "..", which a URL path cannot name')
const cargaBody = z.strictObject({ id: addressableId, valor: cargaValorSchema })

const idParams = z.object({ id: cargaIdSchema })

const present = (c: CargaEvent | StoredCarga) => ({
  id: c.id,
  valor: c.valor,
  requestId: c.requestId,
  acceptedAt: c.acceptedAt,
  ...('offset' in c ? { partition: c.partition, offset: Number(c.offset) } : {})
})

export function registerCargaRoutes (app: FastifyInstance, deps: { interactors: CargaInteractors, metrics: CargaMetrics }): void {
  const { acceptCarga, getCarga } = deps.interactors

  app.post('/carga', async (req, reply) => {
    const body = parseInput(cargaBody, req.body)
    const result = await acceptCarga({ id: body.id, valor: body.valor, requestId: req.id })
    if (!result.ok) {
      req.log.warn({ err: result.error.cause, id: body.id }, result.error.message)
      throw new HttpError(503, result.error.code, result.error.message, undefined, { 'retry-after': '1' })
    }
    const { kind, carga } = result.value
    if (kind === 'unchanged') {
      deps.metrics.unchanged()
      req.log.info({ id: carga.id, acceptedBy: carga.requestId }, 'carga unchanged: the same value was accepted before, nothing published')
      return reply.status(200).send(present(carga))
    }
    deps.metrics.accepted()
    req.log.info({ id: carga.id, valorLength: carga.valor.length }, 'carga accepted onto carga_topic')
    return reply.status(202).header('location', `/carga/${encodeURIComponent(carga.id)}`).send(present(carga))
  })

  app.get('/carga/:id', async req => {
    const params = parseInput(idParams, req.params, 'id')
    const result = await getCarga(params.id)
    if (!result.ok) throw new HttpError(404, result.error.code, result.error.message, 'id')
    return present(result.value)
  })
}
