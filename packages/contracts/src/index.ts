// The public API of @ripple/contracts: topics.catalogue.ts lists every topic; one file per topic
// family holds its schemas, the single description of its records.
export * from './topic.contract.ts'
export * from './topic.codec.ts'
export * from './topics.catalogue.ts'
export * from './debezium.contract.ts'
export * from './users.contract.ts'
export * from './jobs.contract.ts'
export * from './outbox.contract.ts'
export * from './carga.contract.ts'
export * from './inventory.contract.ts'
export * from './dead-letter.contract.ts'
export * from './asyncapi.document.ts'
export * from './compatibility.check.ts'
