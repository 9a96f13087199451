/** PostgreSQL unique_violation (23505), optionally for one named constraint. */
export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  const err = e as { code?: string; constraint?: string } | null;
  return !!err && err.code === '23505' && (!constraint || err.constraint === constraint);
}

/** PostgreSQL check_violation (23514). */
export function isCheckViolation(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === '23514';
}
