// `./ripple contracts generate|check`: docs/asyncapi.yaml and contracts/released/ from the topic
// catalogue (packages/contracts). Needs no stack: it reads and writes files only, so CI runs it
// before anything starts.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { Command } from 'commander'
import { asyncApiYaml, CATALOGUE, checkCatalogue, describeCheck, readOverrides, readReleased, releasedTopicOf } from '@ripple/contracts'
import type { TopicContract } from '@ripple/contracts'

export interface ContractsOptions {
  /** The repository: docs/asyncapi.yaml, contracts/released/ and contracts/overrides.json are under it. */
  readonly root: string
  /** The catalogue; tests hand a changed copy. */
  readonly topics?: readonly TopicContract[]
  readonly log: (line: string) => void
}

const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..')
export const ASYNCAPI_FILE = 'docs/asyncapi.yaml'
export const RELEASED_DIR = 'contracts/released'
export const OVERRIDES_FILE = 'contracts/overrides.json'

const releasedFile = (root: string, topic: string) => join(root, RELEASED_DIR, `${topic}.json`)
const snapshotText = (topic: TopicContract) => JSON.stringify(releasedTopicOf(topic), null, 2) + '\n'

function compatibility (options: ContractsOptions) {
  const topics = options.topics ?? CATALOGUE
  return checkCatalogue(topics, readReleased(join(options.root, RELEASED_DIR)), readOverrides(join(options.root, OVERRIDES_FILE)))
}

/**
 * Fails (1) when docs/asyncapi.yaml is not what the catalogue makes, when a schema is
 * BACKWARD-incompatible with its released one and no override lets it through, or when a
 * compatible change is not yet released. Prints what changed and whom it breaks.
 */
export function checkContracts (options: ContractsOptions): number {
  const { root, log } = options
  let failed = false
  const asyncapi = join(root, ASYNCAPI_FILE)
  if (!existsSync(asyncapi) || readFileSync(asyncapi, 'utf8') !== asyncApiYaml(options.topics)) {
    log(`${ASYNCAPI_FILE} is stale: run ./ripple contracts generate and commit it`)
    failed = true
  }
  const check = compatibility(options)
  for (const line of describeCheck(check)) log(line)
  if (check.broken.length > 0) {
    log(`${check.broken.length} topic(s) changed incompatibly. Make the change compatible (a new field optional or with a default), move it to a new topic (…v2), or list the topic with a reason in ${OVERRIDES_FILE}.`)
    failed = true
  }
  if (check.unreleased.length > 0) {
    log(`${check.unreleased.length} topic(s) changed compatibly since ${RELEASED_DIR}/: run ./ripple contracts generate and commit it`)
    failed = true
  }
  if (!failed) log(`contracts: ${(options.topics ?? CATALOGUE).length} topics, ${ASYNCAPI_FILE} current, every schema BACKWARD-compatible with ${RELEASED_DIR}/`)
  return failed ? 1 : 0
}

/**
 * Writes docs/asyncapi.yaml and releases each compatible (or overridden) schema into
 * contracts/released/, as registering a new version would; refuses (1) to release a break that
 * has no override, leaving its released schema as it was.
 */
export function generateContracts (options: ContractsOptions): number {
  const { root, log } = options
  const topics = options.topics ?? CATALOGUE
  const asyncapi = join(root, ASYNCAPI_FILE)
  mkdirSync(dirname(asyncapi), { recursive: true })
  writeFileSync(asyncapi, asyncApiYaml(topics))
  log(`wrote ${ASYNCAPI_FILE}`)
  const check = compatibility(options)
  const refused = new Set(check.broken.map(r => r.topic))
  mkdirSync(join(root, RELEASED_DIR), { recursive: true })
  for (const topic of topics.filter(t => !refused.has(t.name))) writeFileSync(releasedFile(root, topic.name), snapshotText(topic))
  // A removed topic's snapshot goes only once an override says the removal is meant.
  for (const r of check.overridden.filter(r => !topics.some(t => t.name === r.topic))) rmSync(releasedFile(root, r.topic))
  log(`released ${topics.length - refused.size} topic schema(s) into ${RELEASED_DIR}/`)
  for (const line of describeCheck({ ...check, unreleased: [] })) log(line)
  if (refused.size > 0) {
    log(`not released, incompatible: ${[...refused].join(', ')}. Use a new topic (…v2) or list it with a reason in ${OVERRIDES_FILE}.`)
    return 1
  }
  return 0
}

/** The `contracts` command for stack/src/cli.ts. */
export function contractsCommand (): Command {
  const log = (line: string) => { process.stderr.write(`ripple: ${line}\n`) }
  const contracts = new Command('contracts').description('the topic catalogue (packages/contracts): docs/asyncapi.yaml and the compatibility check against contracts/released/')
  contracts.command('generate')
    .description(`write ${ASYNCAPI_FILE} and release every compatible schema into ${RELEASED_DIR}/`)
    .action(() => { process.exitCode = generateContracts({ root: REPO_ROOT, log }) })
  contracts.command('check')
    .description(`fail when ${ASYNCAPI_FILE} is stale or a schema is BACKWARD-incompatible with ${RELEASED_DIR}/ (overrides: ${OVERRIDES_FILE})`)
    .action(() => { process.exitCode = checkContracts({ root: REPO_ROOT, log }) })
  return contracts
}
