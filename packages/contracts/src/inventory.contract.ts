// inventory.inventory.categories (seed 001's Connect example): MariaDB's inventory.categories
// captured by connectors/inventory-categories-source.json and written into PostgreSQL by
// connectors/inventory-categories-sink.json, which parks what it cannot write in categories.dlq.
import { z } from 'zod'
import { changeEventSchema, connectJsonSchema } from './debezium.contract.ts'
import { defineTopic, noHeaders } from './topic.contract.ts'

export const INVENTORY_SOURCE_CONNECTOR = 'inventory-categories-source'
export const INVENTORY_SINK_CONNECTOR = 'inventory-categories-sink'
export const CATEGORIES_TOPIC = 'inventory.inventory.categories'
/** The sink's errors.deadletterqueue.topic.name. */
export const CATEGORIES_DLQ_TOPIC = 'categories.dlq'

export const categoryRowSchema = z.looseObject({
  id: z.number().int(),
  name: z.string().nullable()
})

export const categoriesTopic = defineTopic({
  name: CATEGORIES_TOPIC,
  summary: 'Changes of MariaDB\'s inventory.categories, carried into PostgreSQL by the JDBC sink.',
  key: { schema: connectJsonSchema(z.object({ id: z.number().int() })), encoding: 'connect-json', description: 'the primary key' },
  value: { schema: connectJsonSchema(changeEventSchema(categoryRowSchema)), encoding: 'connect-json', description: 'Debezium\'s change envelope with its Connect schema' },
  headers: noHeaders,
  partitions: 1,
  cleanupPolicy: 'delete',
  deadLetter: CATEGORIES_DLQ_TOPIC,
  producers: [{ connector: INVENTORY_SOURCE_CONNECTOR }],
  consumers: [{ group: `connect-${INVENTORY_SINK_CONNECTOR}`, by: { connector: INVENTORY_SINK_CONNECTOR } }]
})
