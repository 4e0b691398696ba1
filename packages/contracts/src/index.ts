// The public API of @ripple/contracts: one file per topic family, each the single description of its records.
export * from './jobs.contract.ts'
export * from './outbox.contract.ts'
export * from './carga.contract.ts'
