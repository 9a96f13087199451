// The one way the dashboard words a recorded error code: the catalogue's entry (db stores
// codes, never their prose). The troubleshooting timeline, the launch summary, the grade box
// and the roster list all read it here, so they cannot disagree about a code.
import { type CatalogueEntry, explain, explainOrUnknown } from '@tether/errors';

export interface RecordedExplanation extends CatalogueEntry {
  /** False when this process's catalogue does not hold the code (a newer runtime recorded it). */
  known: boolean;
}

/**
 * A recorded code in the catalogue's words. For a code this process does not know, the
 * catalogue's fallback names the code, and the message recorded with it (the row's or the
 * event's own) is added, so the admin reads the same thing wherever the code is shown.
 */
export function explainRecorded(code: string, recordedMessage?: string | null): RecordedExplanation {
  const entry = explain(code);
  if (entry) return { ...entry, known: true };
  const fallback = explainOrUnknown(code);
  return { ...fallback, admin: recordedMessage ? `${fallback.admin} Recorded message: ${recordedMessage}` : fallback.admin, known: false };
}

export interface FailureHelp {
  /** The catalogue's `admin` text: what went wrong. */
  explanation: string;
  fix: string;
}

/**
 * What the dashboard shows next to a failed passback or roster sync. `recordedMessage` given:
 * every code gets words (`explainRecorded`, as on the timeline); without it, null for a code
 * the catalogue does not hold (the row's own message is shown then).
 */
export function failureHelp(code: string | null | undefined, recordedMessage?: string | null): FailureHelp | null {
  if (!code) return null;
  if (recordedMessage === undefined && !explain(code)) return null;
  const e = explainRecorded(code, recordedMessage);
  return { explanation: e.admin, fix: e.fix };
}
