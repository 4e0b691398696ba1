import client from 'prom-client'
import type { Registry } from 'prom-client'

/** Buckets (seconds) for the latency of a path through the system, from tens of ms to a minute. */
export const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.5, 1, 2.5, 5, 10, 30, 60]

/**
 * One registry per service with the metrics every service exports: process defaults, HTTP
 * requests and latency, Kafka messages handled, consumer lag and stalls, dead letters. Services add their own.
 */
export function createMetrics (service: string) {
  const registry: Registry = new client.Registry()
  registry.setDefaultLabels({ service })
  // The event-loop delay monitor samples on a timer: at its 10 ms default that timer alone was a
  // noticeable share of an idle stack's CPU (ten services); at 100 ms a blocked loop still shows,
  // sampled ten times less often.
  client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 })
  return {
    registry,
    httpRequests: new client.Counter({ name: 'ripple_http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    httpDuration: new client.Histogram({ name: 'ripple_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    messages: new client.Counter({ name: 'ripple_messages_total', help: 'Kafka messages handled, by outcome', labelNames: ['topic', 'outcome'], registers: [registry] }),
    messageDuration: new client.Histogram({ name: 'ripple_message_duration_seconds', help: 'Time to handle one Kafka message, retries included', labelNames: ['topic'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5], registers: [registry] }),
    consumerLag: new client.Gauge({ name: 'ripple_consumer_lag', help: 'Messages behind the partition end', labelNames: ['topic', 'partition'], registers: [registry] }),
    consumerStalled: new client.Gauge({ name: 'ripple_consumer_partition_stalled_seconds', help: 'Seconds since the oldest uncommitted work of the partition was fetched with no commit since; 0 when caught up', labelNames: ['topic', 'partition'], registers: [registry] }),
    deadLetters: new client.Counter({ name: 'ripple_dead_letters_total', help: 'Messages parked on <topic>.dlq, by source topic', labelNames: ['topic'], registers: [registry] }),
    deadLetterDepth: new client.Gauge({ name: 'ripple_dead_letter_depth', help: 'Records held by <topic>.dlq (end minus start offsets), by source topic', labelNames: ['topic'], registers: [registry] })
  }
}
export type Metrics = ReturnType<typeof createMetrics>
