// Every way a deep-linking exchange can fail has a stable code. The one catalogue
// (`explain(code)` of @tether/errors) words each for the instructor in the picker frame and
// for the workspace admin who looks the correlation ID up later.
import { explain, TetherError, type TetherErrorOptions } from '@tether/errors';

export const DEEP_LINKING_ERROR_CODES = [
  'deep_link_settings_invalid',
  'deep_link_type_not_accepted',
  'deep_link_multiple_not_accepted',
  'deep_link_item_invalid',
  'deep_link_selection_invalid',
  'deep_link_session_invalid',
  'deep_link_session_expired',
  'deep_link_already_sent',
] as const;
export type DeepLinkingErrorCode = (typeof DEEP_LINKING_ERROR_CODES)[number];

export class DeepLinkingError extends TetherError<DeepLinkingErrorCode> {
  override readonly name = 'DeepLinkingError';
  /** The status the runtime answers with: the catalogue's for this code unless given. */
  declare readonly status: number;

  /** `details` are safe to log and show to admins: item types, settings, paths — never tokens. */
  constructor(code: DeepLinkingErrorCode, message: string, options: TetherErrorOptions = {}) {
    super(code, message, { ...options, status: options.status ?? explain(code)?.status ?? 500 });
  }
}

/** Narrowing helper: `isDeepLinkingError(err, 'deep_link_already_sent')`. */
export const isDeepLinkingError = (e: unknown, code?: DeepLinkingErrorCode): e is DeepLinkingError => e instanceof DeepLinkingError && (code === undefined || e.code === code);
