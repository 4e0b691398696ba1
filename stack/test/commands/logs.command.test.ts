import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { mergeByTime, parseLevel, passes, printLogs, readLine, render, stampOf } from '../../src/commands/logs.command.ts'

const pino = (o: Record<string, unknown>) => JSON.stringify({ pid: 1, hostname: 'vm', ...o })
const failure = pino({ level: 40, time: Date.UTC(2026, 11, 7, 18, 0, 1), name: 'user-service', reqId: 'r-1', err: { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:3307', stack: 'Error: …' }, dependency: 'the userdata database', msg: 'request failed' })

test('a pino line reads as time, level, service, message, request id, error message and its own fields', () => {
  const entry = readLine(failure, 'user-service')
  assert.equal(entry.text, '2026-12-07T18:00:01.000Z  WARN   user-service  request failed  reqId=r-1  err: connect ECONNREFUSED 127.0.0.1:3307  dependency=the userdata database')
  assert.equal(entry.level, 40)
  assert.equal(entry.reqId, 'r-1')
  assert.ok(!entry.text.includes('stack'), 'no stack trace on the line')
})

test('a line of another format (Kafka, MariaDB, …) is kept as it is, at the time it starts with or else of the line before', () => {
  const kafka = '[2026-12-07 18:42:08,491] INFO [QuorumController id=1] Replayed …'
  assert.deepEqual(readLine(kafka, 'kafka', 123), { service: 'kafka', time: new Date('2026-12-07T18:42:08.491').getTime(), json: false, text: kafka })
  assert.equal(readLine('\tat org.apache.kafka.Foo(Foo.java:1)', 'kafka', 123).time, 123, 'a stack trace line: the time of the line before')
  assert.equal(stampOf('2026-12-07 18:42:08 0 [Note] mariadbd: ready'), new Date('2026-12-07T18:42:08.000').getTime())
  assert.equal(stampOf('2026-12-07T18:42:08.5Z x'), Date.UTC(2026, 11, 7, 18, 42, 8, 500))
  assert.equal(readLine('{not json', 'x').text, '{not json')
  assert.equal(readLine('{"a":1}', 'x').json, false, 'JSON without pino\'s level and time')
})

test('--level keeps pino lines at that level or above; --request-id one request\'s lines; other lines only unfiltered', () => {
  const warn = readLine(failure, 'user-service')
  const info = readLine(pino({ level: 30, time: 1, name: 's', msg: 'started' }), 's')
  const other = readLine('plain', 'kafka')
  assert.deepEqual([warn, info, other].map(e => passes(e, { minLevel: parseLevel('warn') })), [true, false, false])
  assert.deepEqual([warn, info, other].map(e => passes(e, { reqId: 'r-1' })), [true, false, false])
  assert.deepEqual([warn, info, other].map(e => passes(e, {})), [true, true, true])
  assert.throws(() => parseLevel('loud'), /--level is one of trace, debug, info, warn, error, fatal/)
})

test('--all merges the logs by time, a non-pino line saying whose it is', () => {
  const a = [readLine(pino({ level: 30, time: 10, name: 'a', msg: 'a1' }), 'a'), readLine(pino({ level: 30, time: 30, name: 'a', msg: 'a2' }), 'a')]
  const b = [readLine(pino({ level: 30, time: 20, name: 'b', msg: 'b1' }), 'b'), readLine('continued', 'b', 20), readLine(pino({ level: 30, time: 30, name: 'b', msg: 'b2' }), 'b')]
  const merged = mergeByTime([a, b])
  assert.deepEqual(merged.map(e => e.text.split('  ').at(-1)), ['a1', 'b1', 'continued', 'a2', 'b2'])
  assert.equal(render(merged[2]!, true), 'b  continued')
  assert.equal(render(merged[2]!, false), 'continued')
})

test('printLogs prints the last n lines that pass, from several files merged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripple-logs-'))
  writeFileSync(join(dir, 'a.log'), [pino({ level: 30, time: 1, name: 'a', msg: 'one' }), pino({ level: 50, time: 3, name: 'a', msg: 'three' })].join('\n') + '\n')
  writeFileSync(join(dir, 'b.log'), [pino({ level: 50, time: 2, name: 'b', msg: 'two' }), pino({ level: 50, time: 4, name: 'b', msg: 'four' })].join('\n') + '\n')
  const printed: string[] = []
  await printLogs([{ service: 'a', file: join(dir, 'a.log') }, { service: 'b', file: join(dir, 'b.log') }], { lines: 2, follow: false, raw: false, minLevel: 50 }, line => printed.push(line))
  assert.deepEqual(printed.map(l => l.split('  ').slice(2).join(' ')), ['a three', 'b four'])
})
