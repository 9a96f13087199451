import { TetherError } from '@tether/errors';
import { type Kysely, type MigrationResultSet, Migrator } from 'kysely';
import { migrationProvider } from './migrations/index.js';

/** A migration failed; the message names it and carries the database's reason. */
export class MigrationError extends TetherError<'migration_failed'> {
  override readonly name = 'MigrationError';
}

/** Runs every pending migration; returns the names applied now. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError('migration_failed', `Migration ${failed} failed: ${String((result.error as Error).message ?? result.error)}`, { cause: result.error });
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export async function pendingMigrations(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  return (await migrator.getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
}
