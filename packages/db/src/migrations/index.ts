// Migrations are listed here (not discovered on disk) so they work from any bundler or cwd.
// Names are dated; Kysely's Migrator runs them in name order, forward only.
import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './2026-11-23T01-00_initial.js';
import * as gradePassback from './2026-11-23T03-00_grade_passback.js';
import * as rosterSync from './2026-11-23T04-00_roster_sync.js';
import * as rosterDifferences from './2026-11-23T05-00_roster_differences.js';
import * as deepLinkResponse from './2026-11-29T01-00_deep_link_response.js';
import * as signInLimits from './2026-11-29T02-00_sign_in_limits.js';
import * as registrationAttempts from './2026-11-29T03-00_registration_attempts.js';
import * as learnerCodes from './2026-11-29T04-00_learner_codes.js';
import * as loginEvents from './2026-11-29T05-00_login_events.js';
import * as compactTimeline from './2026-11-29T06-00_compact_timeline.js';
import * as loginStateFillfactor from './2026-11-29T07-00_login_state_fillfactor.js';
import * as scenarioArchive from './2026-11-29T09-00_scenario_archive.js';
import * as registrationHistory from './2026-11-29T10-00_registration_history.js';

const migrations: Record<string, Migration> = {
  '2026-11-23T01-00_initial': initial,
  '2026-11-23T03-00_grade_passback': gradePassback,
  '2026-11-23T04-00_roster_sync': rosterSync,
  '2026-11-23T05-00_roster_differences': rosterDifferences,
  '2026-11-29T01-00_deep_link_response': deepLinkResponse,
  '2026-11-29T04-00_learner_codes': learnerCodes,
  '2026-11-29T05-00_login_events': loginEvents,
  '2026-11-29T06-00_compact_timeline': compactTimeline,
  '2026-11-29T07-00_login_state_fillfactor': loginStateFillfactor,
  '2026-11-29T02-00_sign_in_limits': signInLimits,
  '2026-11-29T03-00_registration_attempts': registrationAttempts,
  '2026-11-29T09-00_scenario_archive': scenarioArchive,
  '2026-11-29T10-00_registration_history': registrationHistory,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
