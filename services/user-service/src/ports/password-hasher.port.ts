/** One-way password hashing; the stored form carries whatever the algorithm needs to verify. */
export interface PasswordHasher {
  hash (password: string): Promise<string>
  verify (password: string, stored: string): Promise<boolean>
}
