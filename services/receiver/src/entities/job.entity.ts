/**
 * A unit of work as the receiver creates it (seed 003): the processor waits `sleep` ms for it,
 * `data` is its payload as hex. `createDate` is RFC 3339 with nanoseconds.
 */
export interface Job {
  id: string
  createDate: string
  sleep: number
  data: string
}

export interface JobRequest {
  sleep: number
  dataSize: number
}

/**
 * What a client may ask for. A job sleeps at most a minute (a processor holds it that long, and
 * stopping waits for it); its data stays far below Kafka's 1 MiB record limit once hex doubles it.
 */
export const JOB_LIMITS = {
  sleep: { min: 0, max: 60_000, fallback: 100 },
  dataSize: { min: 0, max: 65_536, fallback: 1024 }
} as const
