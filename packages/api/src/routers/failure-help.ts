// What the dashboard shows next to a failed passback or roster sync: the catalogue's admin
// explanation and fix for the stored code (db stores codes, never their prose).
import { explain } from '@tether/errors';

export interface FailureHelp {
  /** The catalogue's `admin` text: what went wrong. */
  explanation: string;
  fix: string;
}

/** Null for no code or a code the catalogue does not hold (the row's own message is shown then). */
export function failureHelp(code: string | null | undefined): FailureHelp | null {
  const entry = code ? explain(code) : undefined;
  return entry ? { explanation: entry.admin, fix: entry.fix } : null;
}
