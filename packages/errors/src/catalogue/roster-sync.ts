// Roster sync: the codes a sync fails with besides NrpsError's own. Both are shared with grade
// passback (entries in shared.ts); the list is what the roster worker's error type is built on.

/** Failure codes of a roster sync that are not NRPS error codes. */
export const ROSTER_SYNC_ERROR_CODES = ['platform_not_found', 'internal_error'] as const;
export type RosterSyncErrorCode = (typeof ROSTER_SYNC_ERROR_CODES)[number];
