// Unit: how unavailableDependency reads the shape of each driver's error (made up here, with the
// fields the real drivers set), beside unavailable.test.ts, which provokes real driver errors.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DomainError } from '../../src/domain/domain.error.ts'
import { InvalidInputError, RippleError } from '../../src/errors/ripple.error.ts'
import { unavailableDependency } from '../../src/http/unavailable.ts'
import type { Dependency } from '../../src/http/unavailable.ts'

const maria: Dependency = { name: 'the userdata database', kind: 'mariadb', ports: [3306] }
const postgres: Dependency = { name: 'the jobs database', kind: 'postgres', ports: [5432] }
const kafka: Dependency = { name: 'Kafka', kind: 'kafka', ports: [9092] }
const cassandra: Dependency = { name: 'the posts store', kind: 'cassandra', ports: [9042] }
const all = [maria, postgres, kafka, cassandra]

/** An Error with the extra fields a driver sets on it. */
const shaped = (message: string, fields: Record<string, unknown> = {}, name?: string): Error => {
  const error = Object.assign(new Error(message), fields)
  if (name !== undefined) error.name = name
  return error
}
const named = (error: unknown, dependencies: readonly Dependency[] = all) => unavailableDependency(error, dependencies)?.name

describe('unavailableDependency: the shape of each driver\'s error', () => {
  it('knows every socket and driver code of a connection that failed', () => {
    const codes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED',
      'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED',
      '08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', '53300']
    for (const code of codes) assert.equal(named(shaped('down', { code }), [maria]), maria.name, code)
    for (const code of ['ER_DUP_ENTRY', '23505', 'EACCES', 'ERR_X']) assert.equal(named(shaped('no', { code }), [maria]), undefined, code)
  })

  it('tells MariaDB from PostgreSQL by the driver\'s fields and codes', () => {
    assert.equal(named(shaped('lost', { code: 'PROTOCOL_CONNECTION_LOST' })), maria.name)
    assert.equal(named(shaped('lost', { code: 'ECONNRESET', sqlState: 'HY000' })), maria.name)
    assert.equal(named(shaped('lost', { code: 'ECONNRESET', fatal: true })), maria.name)
    assert.equal(named(shaped('too many', { code: 'ER_CON_COUNT_ERROR' })), maria.name)
    assert.equal(named(shaped('admin shutdown', { code: '57P01' })), postgres.name)
    assert.equal(named(shaped('too many', { code: '53300' })), postgres.name)
    assert.equal(named(shaped('lost', { code: 'ECONNRESET', severity: 'FATAL' })), postgres.name)
    assert.equal(named(shaped('Connection terminated unexpectedly')), postgres.name)
    assert.equal(named(shaped('timeout exceeded when trying to connect')), postgres.name)
    assert.equal(named(shaped('Client has encountered a connection error and is not queryable')), postgres.name)
    assert.equal(named(shaped('connection timeout')), postgres.name)
    assert.equal(named(shaped('Connection ended')), postgres.name)
    // A SQLSTATE that is not about the connection is a bug, and five letters are not a SQLSTATE class.
    assert.equal(named(shaped('syntax', { code: '42601', severity: 'ERROR' })), undefined)
    assert.equal(named(shaped('odd', { code: '08P01X' })), undefined)
    assert.equal(named(shaped('odd', { code: 'X08001' })), undefined)
  })

  it('knows Kafka\'s and Cassandra\'s errors by code and name', () => {
    assert.equal(named(shaped('broker gone', { code: 'PLT_KFK_NETWORK' })), kafka.name)
    assert.equal(named(shaped('broker gone', { code: 'X_PLT_KFK_NETWORK' })), undefined)
    assert.equal(named(shaped('no hosts', {}, 'NoHostAvailableError')), cassandra.name)
    assert.equal(named(shaped('slow', {}, 'OperationTimedOutError')), cassandra.name)
    assert.equal(named(shaped('other', {}, 'ResponseError')), undefined)
    assert.equal(named(new Error('plain')), undefined)
  })

  it('names the dependency by the port first, then by kind, then the only one there is, then the kind\'s usual name', () => {
    assert.equal(named(shaped('refused', { code: 'ECONNREFUSED', port: 5432 }), [maria, postgres]), postgres.name)
    assert.equal(named(shaped('refused', { code: 'ECONNREFUSED', port: 1 }), [maria, postgres]), 'a service it depends on')
    assert.equal(named(shaped('lost', { code: 'PROTOCOL_CONNECTION_LOST', port: 1 }), [postgres, maria]), maria.name)
    assert.equal(named(shaped('refused', { code: 'ECONNREFUSED' }), [kafka]), kafka.name)
    assert.equal(named(shaped('refused', { code: 'ECONNREFUSED', port: '5432' }), [maria, postgres]), 'a service it depends on')
    assert.equal(named(shaped('lost', { code: 'PROTOCOL_CONNECTION_LOST' }), []), 'the database')
    assert.equal(named(shaped('lost', { code: '08006' }), []), 'the database')
    assert.equal(named(shaped('gone', { code: 'PLT_KFK_NETWORK' }), []), 'Kafka')
    assert.equal(named(shaped('no hosts', {}, 'NoHostAvailableError'), []), 'Cassandra')
    assert.equal(named(shaped('refused', { code: 'ECONNREFUSED' }), []), 'a service it depends on')
  })

  it('takes a retryable error of Ripple\'s own for its dependency, by the words in its code', () => {
    const outage = (code: string) => unavailableDependency(new RippleError(code, `${code} now`, { canRetry: true }), all)
    assert.deepEqual(outage('KAFKA_UNAVAILABLE'), { name: kafka.name, message: 'KAFKA_UNAVAILABLE now' })
    assert.deepEqual(outage('CASSANDRA_DOWN'), { name: cassandra.name, message: 'CASSANDRA_DOWN now' })
    assert.deepEqual(outage('SMTP_DOWN'), { name: 'a service it depends on', message: 'SMTP_DOWN now' })
    assert.deepEqual(unavailableDependency(new RippleError('KAFKA_UNAVAILABLE', 'down', { canRetry: true }), []), { name: 'Kafka', message: 'down' })
    assert.equal(unavailableDependency(new DomainError('KAFKA_REFUSED', 'no'), all), undefined)
  })

  it('looks through causes and AggregateErrors, once each, and stops at bad input', () => {
    assert.equal(named(new Error('wrapped', { cause: shaped('refused', { code: 'ECONNREFUSED', port: 3306 }) })), maria.name)
    assert.equal(named(new AggregateError([new Error('first'), shaped('refused', { code: 'ECONNREFUSED', port: 5432 })], 'all failed')), postgres.name)
    const loop = new Error('loop') as Error & { cause?: unknown }
    loop.cause = loop
    assert.equal(named(loop), undefined)
    assert.equal(named(new Error('wrapped', { cause: new InvalidInputError('value', 'bad') })), undefined)
    assert.equal(named(new InvalidInputError('value', 'bad')), undefined)
    assert.equal(named('not an error'), undefined)
  })
})
