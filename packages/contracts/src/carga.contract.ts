// carga_topic's records (seed 002): what carga-service publishes and what every store is written
// from (carga-service's own Cassandra writer, sync-service into PostgreSQL). One schema, so a
// record one reader takes is never refused by the other and the stores cannot part over it.
import { z } from 'zod'

export const CARGA_TOPIC = 'carga_topic'

export const CARGA_LIMITS = {
  id: { min: 1, max: 64 },
  valor: { max: 10_000 }
} as const

// PostgreSQL's text cannot hold U+0000, so no store may be given one.
const noNul = (s: string) => !s.includes('\u0000')

/** An id as clients send it and every store keys it. */
export const cargaIdSchema = z.string({ error: 'must be a string' })
  .min(CARGA_LIMITS.id.min, `must be ${CARGA_LIMITS.id.min} to ${CARGA_LIMITS.id.max} characters`)
  .max(CARGA_LIMITS.id.max, `must be ${CARGA_LIMITS.id.min} to ${CARGA_LIMITS.id.max} characters`)
  .refine(noNul, 'must not contain U+0000')

/** A value, stored exactly as sent (not trimmed). */
export const cargaValorSchema = z.string({ error: 'must be a string' })
  .max(CARGA_LIMITS.valor.max, `must be at most ${CARGA_LIMITS.valor.max} characters`)
  .refine(noNul, 'must not contain U+0000')

/**
 * A carga_topic value, keyed by `id`. carga-service always sets `requestId` and `acceptedAt`;
 * readers take a record without them (one produced by hand), and never one with a bad id or valor.
 */
export const cargaRecordSchema = z.object({
  id: cargaIdSchema,
  valor: cargaValorSchema,
  requestId: z.string().max(256).optional(),
  acceptedAt: z.iso.datetime({ offset: true }).optional()
})

export type CargaRecord = z.infer<typeof cargaRecordSchema>
