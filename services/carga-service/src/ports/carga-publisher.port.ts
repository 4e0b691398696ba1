import type { CargaEvent } from '../entities/carga.entity.ts'

/** carga_topic: resolves once Kafka acknowledged the record (acks=all), keyed by the load's id. */
export interface CargaPublisher {
  publish (event: CargaEvent): Promise<void>
}
