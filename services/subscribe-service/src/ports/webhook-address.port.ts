/**
 * Which webhook URLs subscribe-service may call: http: or https: to a public address, or to what
 * the operator allow-listed (a test's local receiver). A webhook must never reach inside.
 */
export interface WebhookAddressPolicy {
  /**
   * Why this URL may not be a webhook (a sentence naming the host and the address it resolves to),
   * or undefined when it may. Resolves the host; an unresolvable host is refused too.
   */
  refusal (url: string): Promise<string | undefined>
}
