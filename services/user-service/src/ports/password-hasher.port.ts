/** One-way password hashing; the stored form carries whatever the algorithm needs to verify. */
export interface PasswordHasher {
  hash (password: string): Promise<string>
  verify (password: string, stored: string): Promise<boolean>
  /** Whether a stored hash was made with weaker parameters than hash() uses now (replace it at the next sign-in). */
  needsRehash (stored: string): boolean
}
