import type { Logger } from '../logging/logger.ts'

export interface RunnableService {
  start (): Promise<{ url: string }>
  stop (): Promise<void>
}

type LifecycleLogger = Pick<Logger, 'info' | 'error' | 'fatal'>

/**
 * How every service's main.ts runs it as a process: start, stop cleanly once on SIGTERM/SIGINT
 * (finishing in-flight work), and exit non-zero when start-up or a consumer fails so the
 * supervisor sees it. `fatal` exists before the service does, so its consumer can be handed it.
 */
export function serviceLifecycle (name: string) {
  let service: RunnableService | undefined
  let log: LifecycleLogger | undefined
  let stopping = false

  async function shutdown (reason: string, code: number): Promise<void> {
    if (stopping) return
    stopping = true
    log?.info({ reason }, `${name} stopping`)
    try {
      await service?.stop()
    } catch (err) {
      log?.error({ err }, `${name} did not stop cleanly`)
      code = 1
    } finally {
      process.exit(code)
    }
  }

  return {
    fatal: (): void => { void shutdown('consumer failure', 1) },
    async run (runnable: RunnableService, logger: LifecycleLogger): Promise<void> {
      service = runnable
      log = logger
      // once: a second Ctrl-C during shutdown falls back to Node's default and ends at once.
      process.once('SIGTERM', () => void shutdown('SIGTERM', 0))
      process.once('SIGINT', () => void shutdown('SIGINT', 0))
      try {
        logger.info({ url: (await runnable.start()).url }, `${name} started`)
      } catch (err) {
        logger.fatal({ err }, `${name} failed to start`)
        await runnable.stop().catch(() => undefined)
        process.exit(1)
      }
    }
  }
}
