import { build } from 'hdr-histogram-js'
import type { Histogram } from 'hdr-histogram-js'

// What every benchmark here shares: argument checks, the figures' formatting, the printed table,
// latency histograms and the process's RSS peak.

/** MiB, which is also what Kafka's Java perf tools call MB. */
export const MB = 1024 * 1024

export function positiveInt (name: string, value: string | undefined): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`)
  return n
}

export const fmt = (n: number) => n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1)

/** Rows of cells, the first row a header: the first column left-aligned, the others right-aligned. */
export function printTable (table: string[][]): void {
  const widths = table[0]!.map((_, i) => Math.max(...table.map(r => r[i]?.length ?? 0)))
  for (const r of table) console.log(r.map((cell, i) => i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)).join('  '))
}

/** Latencies in microseconds, up to 120 s, 3 significant digits. */
export const microsHistogram = (): Histogram =>
  build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 })

/** Samples this process's RSS every 50 ms; the timer never keeps the process alive. */
export function trackRssPeak (): { peak: () => number } {
  let peak = process.memoryUsage.rss()
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()) }, 50)
  sampler.unref()
  return { peak: () => Math.max(peak, process.memoryUsage.rss()) }
}
