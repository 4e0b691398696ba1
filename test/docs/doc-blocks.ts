// The documentation's shell examples as data: every fenced `sh` block of README.md and docs/*.md,
// with the outputs its comments promise. Stack-free, so the parsing is unit-tested on its own;
// docs.test.ts runs the blocks on the real stack.
//
// The convention, for whoever writes an example:
// - A block fenced ```sh must run as is with bash (set -euo pipefail) from the repository root on a
//   stack started by `./ripple up`, twice in a row: unique names (`$(date +%s%N)`), no leftover
//   state, no tool `./ripple up` does not install (`node -e` instead of jq).
// - A block that is not meant to run there (Docker, kubectl, `./ripple down`, placeholders) is
//   fenced ```console or ```text instead; nothing fenced sh is skipped.
// - A comment `# → TEXT`, at the end of a command line or on a line of its own, says the block's
//   standard output shows TEXT. Each block's expectations are found in its output in the order they
//   are written; `# → /PATTERN/` is a regular expression instead of literal text.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

export interface Expectation {
  /** The line of the file the comment is on (1-based). */
  line: number
  /** The text as written after the arrow. */
  text: string
  matcher: RegExp | string
}

export interface ShellBlock {
  /** Path from the repository root. */
  file: string
  /** The line of the opening fence (1-based). */
  line: number
  source: string
  expectations: Expectation[]
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/
const EXPECTATION = /(?:^|\s)# → (.+?)\s*$/

/** What a `# → …` comment asks for: literal text, or a regular expression written as /…/. */
export function parseExpectation (text: string): RegExp | string {
  const regex = /^\/(.+)\/([a-z]*)$/.exec(text)
  return regex ? new RegExp(regex[1]!, regex[2]) : text
}

/** The fenced blocks of one Markdown text whose info string is exactly `sh`, with their expectations. */
export function shellBlocks (markdown: string, file: string): ShellBlock[] {
  const blocks: ShellBlock[] = []
  const lines = markdown.split('\n')
  let open: { fence: string, language: string, line: number, body: string[] } | undefined
  lines.forEach((text, index) => {
    const fence = FENCE.exec(text)
    if (open === undefined) {
      if (fence) open = { fence: fence[2]!, language: fence[3] ?? '', line: index + 1, body: [] }
      return
    }
    // A fence closes only with the same character, at least as long, and nothing after it.
    if (fence && fence[2]![0] === open.fence[0] && fence[2]!.length >= open.fence.length && fence[3] === '') {
      if (open.language === 'sh') {
        const expectations: Expectation[] = []
        open.body.forEach((bodyLine, i) => {
          const match = EXPECTATION.exec(bodyLine)
          if (match) expectations.push({ line: open!.line + 1 + i, text: match[1]!, matcher: parseExpectation(match[1]!) })
        })
        blocks.push({ file, line: open.line, source: open.body.join('\n'), expectations })
      }
      open = undefined
      return
    }
    open.body.push(text)
  })
  if (open !== undefined) throw new Error(`${file}:${open.line}: a fenced block is never closed`)
  return blocks
}

/** README.md and every docs/*.md (not deeper), in a stable order. */
export function documentationFiles (repoRoot: string): string[] {
  const docs = readdirSync(join(repoRoot, 'docs')).filter(f => f.endsWith('.md')).sort().map(f => join(repoRoot, 'docs', f))
  return [join(repoRoot, 'README.md'), ...docs]
}

export function documentationBlocks (repoRoot: string): ShellBlock[] {
  return documentationFiles(repoRoot).flatMap(path => shellBlocks(readFileSync(path, 'utf8'), relative(repoRoot, path)))
}

/**
 * Which expectations an output misses: each is looked for after the previous one's match, so
 * they must appear in the order written. Empty when the output shows them all.
 */
export function unmetExpectations (output: string, expectations: readonly Expectation[]): Expectation[] {
  const unmet: Expectation[] = []
  let from = 0
  for (const e of expectations) {
    const rest = output.slice(from)
    if (typeof e.matcher === 'string') {
      const at = rest.indexOf(e.matcher)
      if (at < 0) unmet.push(e)
      else from += at + e.matcher.length
    } else {
      const match = new RegExp(e.matcher.source, e.matcher.flags.replace('g', '')).exec(rest)
      if (match === null) unmet.push(e)
      else from += match.index + match[0].length
    }
  }
  return unmet
}
