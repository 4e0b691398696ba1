// What every fuzz suite shares: generators of hostile HTTP requests, a raw HTTP client, and the
// property every Ripple service keeps (a 2xx, or a 4xx with a JSON `{error, message}`; never a
// 5xx, a reset connection or a hang), run with a printed, replayable seed.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import fc from 'fast-check'

/** One request as it goes on the wire; `note` says what the generator meant, for the report. */
export interface FuzzRequest {
  method: string
  /** Path and query, already encoded (node:http sends it as is). */
  path: string
  headers: Record<string, string>
  body?: Buffer
  note: string
}

export interface FuzzAnswer { status: number, headers: IncomingHttpHeaders, text: string }

/** A route the service serves, and how to make requests that come close to valid ones. */
export interface RouteSpec {
  method: string
  /** The path (no query), already encoded; usually a template filled with ids, valid and not. */
  path: fc.Arbitrary<string>
  /** Query parameters the route reads, with values near valid ones. */
  query?: Record<string, fc.Arbitrary<string>>
  /** A body close to a valid one (an object whose fields are sometimes valid, sometimes junk). */
  body?: fc.Arbitrary<unknown>
  /** Whether the route reads an access token (every request gets a random Authorization anyway). */
  auth?: boolean
  weight?: number
  /** How the report names the route; its method and first path otherwise. */
  name?: string
}

/** Tokens of the suite's callers; missing ones are not sent. */
export interface FuzzTokens {
  /** A valid token of the user the requests act on. */
  valid?: string
  /** A valid token of another user (testAccessToken of a random id). */
  other?: string
  admin?: string
}

// ---------------------------------------------------------------------------------------------
// Values

const CONTROL = [...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)), '\u007f', ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(0x80 + i))]

/** Strings that broke parsers, databases and mailers somewhere. */
const NASTY_STRINGS = [
  '', ' ', '\t', '\u0000', 'a\u0000b', '\r\n', 'x\r\nBcc: a@b.c', '\u0085', '\u2028\u2029', '\u202eevil\u202c', '\u200f\u05e9\u05dc\u05d5\u05dd',
  'e\u0301', 'e' + '\u0301'.repeat(200), '😀', '😀_x', '𝔸_x', '👩‍👩‍👧‍👦', '\ud800', '\udfff', 'a\ud800b', '\udc00\ud800', '\ufeff', '\ufffe', '\uffff',
  'NaN', '-0', '0', '-1', 'Infinity', '-Infinity', '1e400', '9007199254740993', '0x10', '1_000', ' 1 ', 'null', 'undefined', 'true', '[]', '{}',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '../../etc/passwd', '..', '.', '%00', '%zz', "' OR 1=1 --", '"; DROP TABLE users; --',
  '<script>alert(1)</script>', '${7*7}', '{{7*7}}', '\\', '"', "'", '`', '\u00ad', 'İ', 'ß', 'ﬁ', 'Å', 'Å', 'ｆｕｌｌ', 'a@b', 'a@b.c', 'x@127.0.0.1',
  'http://127.0.0.1:9090/-/quit', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/', 'http://[::1]/', 'http://localhost/', 'https://example.com/hook',
  'file:///etc/passwd', 'javascript:alert(1)', 'http://0x7f000001/', 'http://2130706433/', 'http://127.1/', 'http://[::ffff:127.0.0.1]/', 'https://a.invalid/x'
]

/** JSON number literals JSON.stringify never writes: -0, past double range, past 2^53, underflow. */
const RAW_NUMBERS = ['-0', '-0.0', '1e400', '-1e400', '1e-400', '123456789012345678901234567890', '-9007199254740993', '9007199254740993', '0.1e1', '1E2', '1.0', '4.9e-324', '1.7976931348623157e308']

const RAW = '\u0001RAW:'
/** A number literal inserted verbatim into the JSON text by toJson. */
const rawNumber = fc.constantFrom(...RAW_NUMBERS).map(n => `${RAW}${n}\u0001`)

/** UTF-8 text of a JSON value; raw number markers become their literals, lone surrogates stay `\udXXX` escapes. */
export function toJson (value: unknown): string {
  const text = JSON.stringify(value) ?? 'null'
  return text.replace(/"\\u0001RAW:([-+.0-9eE]+)\\u0001"/g, '$1')
}

/** Long text: a short piece repeated to 256 B – ~110 KB (a slice may cut a surrogate pair in half). */
export const bigString = fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }), fc.integer({ min: 256, max: 110_000 }))
  .map(([piece, length]) => piece.repeat(Math.ceil(length / piece.length)).slice(0, length))

export const fuzzString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...CONTROL, 'a', ' '), maxLength: 10 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', 'ab', '😀', 'é'), fc.constantFrom(...NASTY_STRINGS)).map(([a, b]) => a + b + a) },
  { weight: 1, arbitrary: bigString }
)

const fuzzKey = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', '', ' ', '\u0000', '😀', 'a.b', '$where', 'id', 'status', 'role', 'admin', 'userId', 'password') }
)

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, Number.MIN_VALUE),
  rawNumber, fuzzString
)

/** Any JSON value, nested a few levels: objects (with hostile keys), arrays, every kind of leaf. */
export const fuzzValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown, array: unknown[], object: Record<string, unknown> }>(tie => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(fuzzKey, tie('value'), { maxKeys: 5 })
})).value

// ---------------------------------------------------------------------------------------------
// Bodies

export const BODY_LIMIT = 1024 * 1024

const MALFORMED = [
  '{', '}', '{"a":}', '{"a":1,}', '[1,]', "{'a':1}", '{a:1}', 'NaN', 'Infinity', 'undefined', '-', '01', '1.', '.5', '+1', '0x10', '"\\x41"', '"\\u12"',
  '"\\ud800"', '{"a":"\\ud800\\u0000"}', '"unterminated', '\u0000', '\ufeff{}', '{}garbage', '{} {}', '{"a":1}\u0000', 'null', 'true', '"just a string"', '[]', '0',
  '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '{"a":{"__proto__":{"b":1}}}',
  '[' .repeat(10_000) + ']'.repeat(10_000), '{"a":'.repeat(5000) + '1' + '}'.repeat(5000), '['.repeat(100_000),
  '{"a":' + '['.repeat(3000) + '{"__proto__":1}' + ']'.repeat(3000) + '}'
]

const INVALID_UTF8 = [
  Buffer.from([0xff, 0xfe, 0xfd]), Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0x80, 0x22, 0x7d]), Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
  Buffer.from([0x22, 0xf4, 0x90, 0x80, 0x80, 0x22]), Buffer.from([0xfe, 0xff, 0x00, 0x7b, 0x00, 0x7d])
]

/** Broken JSON: a constant from the list, or a valid text cut, padded or with one character changed. */
const malformed: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(...MALFORMED).map(s => Buffer.from(s)),
  fc.constantFrom(...INVALID_UTF8),
  fc.tuple(fuzzValue.map(toJson), fc.nat(), fc.constantFrom('cut', 'append', 'replace')).map(([text, at, how]) => {
    const i = text.length === 0 ? 0 : at % text.length
    if (how === 'cut') return Buffer.from(text.slice(0, i))
    if (how === 'append') return Buffer.from(text + ',}')
    return Buffer.from(text.slice(0, i) + '\u0000"' + text.slice(i + 1))
  })
)

/** A valid JSON body past the body limit (the service must answer 413, not drop the connection). */
const overLimit = fc.integer({ min: BODY_LIMIT + 1, max: BODY_LIMIT + 200_000 })
  .map(size => Buffer.from(`{"a":"${'x'.repeat(size - 8)}"}`))

/** A body for a route: mostly near-valid JSON, else any JSON, broken JSON, none, or too large. */
export function bodyFor (template: fc.Arbitrary<unknown> | undefined): fc.Arbitrary<Buffer | undefined> {
  return fc.oneof(
    { weight: template ? 16 : 0, arbitrary: (template ?? fc.constant({})).map(v => Buffer.from(toJson(v))) },
    { weight: 3, arbitrary: fuzzValue.map(v => Buffer.from(toJson(v))) },
    { weight: 2, arbitrary: malformed },
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
    { weight: 1, arbitrary: fuzzString.map(s => Buffer.from(s)) },
    { weight: 1, arbitrary: overLimit }
  )
}

// ---------------------------------------------------------------------------------------------
// URLs

const UNRESERVED = /[A-Za-z0-9\-._~]/

/** Percent-encodes every byte of the UTF-8 text but the unreserved ones (a lone surrogate becomes U+FFFD's bytes). */
export function pct (text: string): string {
  let out = ''
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte)
    out += UNRESERVED.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

const JUNK_SEGMENTS = ['', '%', '%z', '%zz', '%00', '%0a', '%c0%80', '%ff', '%ed%a0%80', '%f4%90%80%80', '..', '.', '%2e%2e', '%2F', '%252F', ';', ';a=b', ':', '@', '!$&\'()*+,;=', '~', 'ª', '\u00ff', 'a'.repeat(101), 'a'.repeat(5000), '%E2%80%AE', '%EF%BB%BF', '%20', '+']

/** A path segment: an encoded random string, or junk a decoder may choke on. */
export const fuzzSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fuzzString.filter(s => s.length < 2000).map(pct) },
  { weight: 2, arbitrary: fc.constantFrom(...JUNK_SEGMENTS) },
  // node:http refuses to send bytes outside 0x21–0xff in a path; within it, anything goes.
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0x21, max: 0xff }).map(c => String.fromCharCode(c)).filter(c => c !== '?' && c !== '#'), maxLength: 20 }) }
)

/** A route's path as written, now and then one of its near misses (a trailing slash, another case). */
export const pathOf = (canonical: string, ...nearMisses: string[]): fc.Arbitrary<string> =>
  nearMisses.length === 0 ? fc.constant(canonical) : fc.oneof({ weight: 8, arbitrary: fc.constant(canonical) }, { weight: 1, arbitrary: fc.constantFrom(...nearMisses) })

/** An id in a path: the given valid (or nearly valid) ones, encoded, or any segment. */
export const idSegment = (valid: fc.Arbitrary<string>[]): fc.Arbitrary<string> => fc.oneof(
  { weight: 3, arbitrary: fc.oneof(...valid).map(pct) },
  { weight: 2, arbitrary: fuzzSegment }
)

const JUNK_QUERIES = ['', '?', '&', '&&&', '=', '==', 'a', 'a=', '=a', 'a[b]=c', 'a[]=1&a[]=2', '__proto__[x]=1', 'constructor[prototype][x]=1', '%', '%zz=%zz', 'a=%ff%fe', 'a=%00', 'a=b;c=d', 'a=1#frag']

/** The route's own query keys once each (some left out), with near-valid values: what a real client sends. */
export function cleanQuery (known: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  return fc.record(known, { requiredKeys: [] })
    .map(values => Object.entries(values).map(([k, v]) => `${pct(k)}=${pct(String(v))}`).join('&'))
}

/** A query string: the route's keys (repeated now and then) with near-valid values, junk pairs, or junk. */
export function queryFor (known: Record<string, fc.Arbitrary<string>> = {}): fc.Arbitrary<string> {
  const keys = Object.keys(known)
  const pair = fc.oneof(
    { weight: keys.length > 0 ? 4 : 0, arbitrary: fc.constantFrom(...(keys.length > 0 ? keys : ['x'])).chain(k => fc.tuple(fc.constant(k), fc.oneof({ weight: 3, arbitrary: known[k] ?? fc.constant('') }, { weight: 2, arbitrary: fuzzString.filter(s => s.length < 3000) }))) },
    { weight: 1, arbitrary: fc.tuple(fuzzString.filter(s => s.length < 100), fuzzString.filter(s => s.length < 3000)) }
  ).map(([k, v]) => `${pct(k)}=${pct(v)}`)
  const clean = cleanQuery(known)
  return fc.oneof(
    { weight: keys.length > 0 ? 6 : 0, arbitrary: clean },
    { weight: 4, arbitrary: fc.array(pair, { maxLength: 5 }).map(pairs => pairs.join('&')) },
    { weight: 1, arbitrary: fc.constantFrom(...JUNK_QUERIES) },
    { weight: 1, arbitrary: fc.tuple(pair, fc.integer({ min: 2, max: 500 })).map(([p, n]) => Array(n).fill(p).join('&')) },
    { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20_000 }).map(n => `q=${'a'.repeat(n)}`) }
  )
}

// ---------------------------------------------------------------------------------------------
// Requests

const STANDARD_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']
// node:http sends any token; the server's parser knows some of these and refuses the rest.
const ODD_METHODS = ['TRACE', 'PROPFIND', 'PURGE', 'SEARCH', 'QUERY', 'MKCOL', 'LOCK', 'REPORT', 'M-SEARCH', 'FOO', 'get', 'Post', 'X'.repeat(300)]

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map(c => String.fromCharCode(c)), maxLength: 60 })

const CONTENT_TYPES = [
  'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/json;', 'application/json ; x=y',
  'text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/vnd.api+json',
  'application/problem+json', '*/*', '', ';', 'application/', 'json', 'application/json, text/plain', 'application/octet-stream'
]

const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 20, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
  { weight: 1, arbitrary: printable }
)

const base64url = (text: string) => Buffer.from(text).toString('base64url')
const NONE_TOKEN = `${base64url('{"alg":"none","typ":"JWT"}')}.${base64url('{"sub":"x","role":"admin","iss":"ripple","aud":"ripple-api"}')}.`

/** An Authorization header: none, junk, forged, another user's, the right user's, an admin's. */
export function authorization (tokens: FuzzTokens): fc.Arbitrary<string | undefined> {
  type Weighted = { weight: number, arbitrary: fc.Arbitrary<string | undefined> }
  const bearer = (weight: number, token: string | undefined): Weighted[] => token === undefined ? [] : [{ weight, arbitrary: fc.constant(`Bearer ${token}`) }]
  const valid = tokens.valid
  const tampered = valid === undefined
    ? []
    : [
        fc.nat().map(i => { const at = valid.length - 1 - (i % 20); return `Bearer ${valid.slice(0, at)}${valid[at] === 'A' ? 'B' : 'A'}${valid.slice(at + 1)}` }),
        fc.constantFrom(`bearer ${valid}`, `Bearer ${valid} ${valid}`, valid, `Bearer ${valid}x`, `Bearer ${valid.split('.').slice(0, 2).join('.')}.`)
      ]
  const junk: fc.Arbitrary<string>[] = [
    printable,
    printable.map(s => `Bearer ${s}`),
    fc.constantFrom('Bearer', 'Bearer ', 'Bearer  x', 'bearer x', 'Basic dXNlcjpwYXNz', 'Bearer a.b.c', `Bearer ${NONE_TOKEN}`, 'Bearer ....', 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.', 'Bearer ' + 'a'.repeat(8000)),
    ...tampered
  ]
  const choices: Weighted[] = [
    { weight: 2, arbitrary: fc.constant(undefined) },
    ...bearer(5, tokens.valid),
    ...bearer(1, tokens.admin),
    ...bearer(1, tokens.other),
    { weight: 2, arbitrary: fc.oneof(...junk) }
  ]
  return fc.oneof(...choices)
}

const describeBody = (body: Buffer | undefined) => {
  if (body === undefined) return 'no body'
  const text = body.toString('utf8')
  return `${body.length} B: ${JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text)}`
}

/** How a request shows in fast-check's reports and in ours: method, path, headers and the start of the body. */
export function describeRequest (r: FuzzRequest): string {
  const path = r.path.length > 300 ? `${r.path.slice(0, 300)}… (${r.path.length} chars)` : r.path
  const headers = Object.entries(r.headers).map(([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 80)}…` : v}`).join('; ')
  return `${r.method.length > 20 ? `${r.method.slice(0, 20)}…` : r.method} ${path} [${headers}] ${describeBody(r.body)} (${r.note})`
}

function finish (r: Omit<FuzzRequest, 'headers'>, headers: Record<string, string | undefined>): FuzzRequest {
  const defined = Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined))
  const request: FuzzRequest = { ...r, headers: defined }
  Object.defineProperty(request, fc.toStringMethod, { value: () => describeRequest(request), enumerable: false })
  return request
}

/** Requests at the service's routes (methods, paths, queries, bodies, tokens all varied) and at random paths. */
export function requests (routes: RouteSpec[], tokens: FuzzTokens): fc.Arbitrary<FuzzRequest> {
  // Well-formed requests whose values alone vary: the route's method, JSON, the right token; they
  // get past parsing and authentication into the service's own code and its database.
  const wellFormed = (route: RouteSpec): fc.Arbitrary<FuzzRequest> => fc.record({
    path: route.path,
    query: route.query ? cleanQuery(route.query) : fc.constant(''),
    body: route.body ? route.body.map(v => Buffer.from(toJson(v))) : fc.constant(undefined),
    auth: route.auth && tokens.valid !== undefined ? fc.oneof({ weight: 4, arbitrary: fc.constant(`Bearer ${tokens.valid}`) }, ...(tokens.admin === undefined ? [] : [{ weight: 1, arbitrary: fc.constant(`Bearer ${tokens.admin}`) }])) : fc.constant(undefined)
  }).map(r => finish(
    { method: route.method, path: r.query === '' ? r.path : `${r.path}?${r.query}`, note: route.name ?? `${route.method} route`, ...(r.body === undefined ? {} : { body: r.body }) },
    { 'content-type': r.body === undefined ? undefined : 'application/json', authorization: r.auth }
  ))
  const hostile = (route: RouteSpec): fc.Arbitrary<FuzzRequest> => fc.record({
    method: fc.oneof({ weight: 8, arbitrary: fc.constant(route.method) }, { weight: 2, arbitrary: fc.constantFrom(...STANDARD_METHODS) }, { weight: 1, arbitrary: fc.constantFrom(...ODD_METHODS) }),
    path: route.path,
    query: fc.oneof({ weight: route.query ? 1 : 3, arbitrary: fc.constant('') }, { weight: 2, arbitrary: queryFor(route.query) }),
    body: bodyFor(route.body),
    contentType,
    auth: route.auth ? authorization(tokens) : fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: authorization(tokens) })
  }).map(r => finish(
    { method: r.method, path: r.query === '' ? r.path : `${r.path}?${r.query}`, note: route.name ?? `${route.method} route`, ...(r.body === undefined ? {} : { body: r.body }) },
    { 'content-type': r.body === undefined && r.contentType === 'application/json' ? undefined : r.contentType, authorization: r.auth }
  ))
  const wild: fc.Arbitrary<FuzzRequest> = fc.record({
    method: fc.constantFrom(...STANDARD_METHODS, ...ODD_METHODS),
    segments: fc.array(fuzzSegment, { minLength: 0, maxLength: 6 }),
    query: fc.oneof(fc.constant(''), queryFor()),
    body: bodyFor(undefined),
    contentType
  }).map(r => finish(
    { method: r.method, path: `/${r.segments.join('/')}${r.query === '' ? '' : `?${r.query}`}`, note: 'random path', ...(r.body === undefined ? {} : { body: r.body }) },
    { 'content-type': r.contentType }
  ))
  const toRoute = (route: RouteSpec) => fc.oneof({ weight: 2, arbitrary: wellFormed(route) }, { weight: 3, arbitrary: hostile(route) })
  return fc.oneof(...routes.map(route => ({ weight: route.weight ?? 4, arbitrary: toRoute(route) })), { weight: 2, arbitrary: wild })
}

// ---------------------------------------------------------------------------------------------
// Sending and judging

/**
 * Sends one request on a connection of its own and reads the whole answer. Rejects on a reset
 * or closed connection before the answer, and after `timeoutMs` without one.
 */
export function send (base: string, r: FuzzRequest, timeoutMs = 30_000): Promise<FuzzAnswer> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    let answered = false
    const req = request({
      host: url.hostname,
      port: url.port,
      method: r.method,
      path: r.path,
      headers: { ...r.headers, ...(r.body === undefined ? {} : { 'content-length': String(r.body.length) }) },
      agent: false,
      timeout: timeoutMs
    }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { answered = true; resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', err => { if (!answered) reject(err) })
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    // An error after the whole answer arrived (the server closing while a refused body was still
    // being written) is not the service's failure: the client has its answer.
    req.on('error', err => { if (!answered) reject(err) })
    req.end(r.body)
  })
}

/** The property: a 2xx, or a 4xx whose body is JSON `{error: string, message: string}`. Throws naming what is wrong. */
export function judge (r: FuzzRequest, answer: FuzzAnswer): void {
  const { status } = answer
  if (status >= 200 && status < 300) return
  assert.ok(status >= 400 && status < 500, `answered ${status}: ${answer.text.slice(0, 500)}`)
  if (r.method === 'HEAD') return // no body by definition
  assert.match(String(answer.headers['content-type']), /^application\/json/, `a ${status} without a JSON content type: ${answer.headers['content-type']} ${answer.text.slice(0, 200)}`)
  let body: unknown
  try {
    body = JSON.parse(answer.text)
  } catch {
    assert.fail(`a ${status} whose body is not JSON: ${answer.text.slice(0, 200)}`)
  }
  const error = body as { error?: unknown, message?: unknown }
  assert.ok(typeof error === 'object' && error !== null, `a ${status} whose body is not an object: ${answer.text.slice(0, 200)}`)
  assert.equal(typeof error.error, 'string', `a ${status} without a string "error": ${answer.text.slice(0, 200)}`)
  assert.equal(typeof error.message, 'string', `a ${status} without a string "message": ${answer.text.slice(0, 200)}`)
}

/**
 * Reads a write the service accepted (a 2xx to POST, PUT, PATCH or DELETE) back through the
 * service's own reads and throws, naming the difference, unless it was stored exactly: what the
 * answer says was stored, and what the request asked for (with the normalisation the service
 * documents). A suite whose service makes a write visible only later (through Kafka) records it
 * here and checks it once the run is over (`afterRun`).
 */
export type ReadBack = (r: FuzzRequest, answer: FuzzAnswer) => Promise<void>

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** The request's body as JSON, or undefined when it has none or it is not JSON. */
export function sentJson (r: FuzzRequest): unknown {
  try {
    return r.body === undefined ? undefined : JSON.parse(r.body.toString('utf8'))
  } catch {
    return undefined
  }
}

/** The answer's body as JSON (a 2xx of a write route is JSON, or empty: undefined). */
export function answerJson (answer: FuzzAnswer): unknown {
  return answer.text === '' ? undefined : JSON.parse(answer.text)
}

/** GET as the given token (or none) and answer status and JSON body. */
export async function readJson (base: string, path: string, token?: string): Promise<{ status: number, body: unknown }> {
  const res = await fetch(base + path, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
}

export interface FuzzRunOptions {
  /** What the diagnostics call the run, e.g. the service's name. */
  name: string
  base: string
  arbitrary: fc.Arbitrary<FuzzRequest>
  /** Every suite reads its accepted writes back (required, so none forgets to). */
  readBack: ReadBack
  /** Checks what readBack recorded for later, once the run is over; answers the failures. */
  afterRun?: () => Promise<FuzzFailure[]>
  /** Where to print the seed and the figures (a test's diagnostic, or console.log). */
  log: (line: string) => void
  /** Default 1000; FUZZ_RUNS overrides. */
  numRuns?: number
}

export interface FuzzFailure { path: string, request: string, problem: string }

export interface FuzzReport { seed: number, runs: number, statuses: Record<string, number>, failures: FuzzFailure[], readBacks: number }

/**
 * Runs the property `numRuns` times with a seed from FUZZ_SEED or a fresh one, printed first as
 * `seed=<n>`. Every case is checked; failures are collected (not shrunk) so one run names them
 * all, each with the fast-check path that replays it alone: FUZZ_SEED=<seed> FUZZ_PATH=<path>.
 */
export async function fuzz (options: FuzzRunOptions): Promise<FuzzReport> {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : (Date.now() ^ (Math.random() * 0x1_0000_0000)) | 0
  const replay = process.env.FUZZ_PATH
  const numRuns = replay ? 1 : Number(process.env.FUZZ_RUNS ?? options.numRuns ?? 1000)
  const start = `${options.name}: seed=${seed} runs=${numRuns}${replay ? ` path=${replay}` : ''} (replay: FUZZ_SEED=${seed} [FUZZ_PATH=<path>] [FUZZ_RUNS=<n>])`
  // Printed at once as well, so the seed is known even if the run hangs.
  console.log(start)
  options.log(start)
  const statuses: Record<string, number> = {}
  const routes: Record<string, Record<string, number>> = {}
  const failures: FuzzFailure[] = []
  let index = replay ? Number(replay.split(':')[0]) : 0
  let runs = 0
  let readBacks = 0
  await fc.assert(fc.asyncProperty(options.arbitrary, async r => {
    const path = String(index++)
    runs++
    let answer: FuzzAnswer
    try {
      answer = await send(options.base, r)
    } catch (err) {
      statuses.error = (statuses.error ?? 0) + 1
      failures.push({ path, request: describeRequest(r), problem: `no answer: ${(err as Error & { code?: string }).code ?? ''} ${(err as Error).message}` })
      return
    }
    const key = String(answer.status)
    statuses[key] = (statuses[key] ?? 0) + 1
    const byRoute = (routes[r.note] ??= {})
    byRoute[key] = (byRoute[key] ?? 0) + 1
    if (process.env.FUZZ_VERBOSE) options.log(`${path}: ${describeRequest(r)} → ${answer.status} ${answer.text.slice(0, 300)}`)
    try {
      judge(r, answer)
    } catch (err) {
      failures.push({ path, request: describeRequest(r), problem: (err as Error).message })
      return
    }
    if (!WRITES.has(r.method.toUpperCase()) || answer.status < 200 || answer.status >= 300) return
    readBacks++
    try {
      // fetch sends a standard method in capitals whatever its case (`Post` is a POST): so does readBack see it.
      await options.readBack({ ...r, method: r.method.toUpperCase() }, answer)
    } catch (err) {
      failures.push({ path, request: describeRequest(r), problem: `read back: ${(err as Error).message}` })
    }
  }), { seed, numRuns, ...(replay ? { path: replay } : {}) })
  if (options.afterRun) failures.push(...await options.afterRun())
  options.log(`${options.name}: ${runs} requests, answers by status ${JSON.stringify(statuses)}, ${readBacks} accepted writes read back`)
  for (const [route, counts] of Object.entries(routes)) options.log(`${options.name}:   ${route}: ${JSON.stringify(counts)}`)
  for (const f of failures.slice(0, 20)) options.log(`${options.name}: FAILED seed=${seed} path=${f.path}: ${f.request} → ${f.problem}`)
  if (failures.length > 20) options.log(`${options.name}: … and ${failures.length - 20} more failures`)
  return { seed, runs, statuses, failures, readBacks }
}

/** Asserts a fuzz run found nothing, naming the first failures with their replay seed and path. */
export function assertNoFailures (report: FuzzReport): void {
  assert.equal(report.failures.length, 0, `${report.failures.length} of ${report.runs} requests broke the property (seed=${report.seed}):\n` +
    report.failures.slice(0, 10).map(f => `  FUZZ_SEED=${report.seed} FUZZ_PATH=${f.path}: ${f.request}\n    → ${f.problem}`).join('\n'))
}

/** GET /health answers 200 after the run: the service is still up and healthy. */
export async function assertHealthy (base: string): Promise<void> {
  const res = await fetch(`${base}/health`)
  assert.equal(res.status, 200, await res.text())
}
