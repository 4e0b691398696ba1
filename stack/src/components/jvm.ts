import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { StackConfig } from '../config.ts'

/** Kafka and Connect log to stdout; the supervisor writes it to .ripple/logs/<name>.log. */
export async function writeLog4j (config: StackConfig): Promise<string> {
  await mkdir(config.paths.conf, { recursive: true })
  const file = join(config.paths.conf, 'log4j2.properties')
  await writeFile(file, [
    'status = warn',
    'appender.stdout.type = Console',
    'appender.stdout.name = STDOUT',
    'appender.stdout.layout.type = PatternLayout',
    'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.stdout.ref = STDOUT',
    // Connect's per-request and Debezium's per-batch INFO lines drown what matters.
    'logger.reflections.name = org.reflections',
    'logger.reflections.level = ERROR',
    'logger.jetty.name = org.eclipse.jetty',
    'logger.jetty.level = WARN',
    ''
  ].join('\n'))
  // Read by Kafka's and Connect's own accounts; it holds no secret.
  await chmod(file, 0o644)
  return file
}

export function javaArgs (config: StackConfig, heap: string[], log4jFile: string, mainClass: string, args: string[]): string[] {
  return [
    ...heap,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jFile}`,
    '-cp', join(config.paths.kafkaLibs, '*'),
    mainClass,
    ...args
  ]
}

/** Renders a Java properties file from a flat object. */
export function properties (values: Record<string, string | number | boolean>): string {
  return Object.entries(values).map(([k, v]) => `${k}=${String(v)}`).join('\n') + '\n'
}
