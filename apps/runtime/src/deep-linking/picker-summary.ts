// What the timeline records about a deep-linking request when its picker opens: the settings
// that decide what the picker may return, and where the answer goes (without its query).
import { type DeepLinkingSettingsInput, deepLinkingFlag } from '@tether/lti';

export const PICKER_PATH = '/lti/deep-link';

/** Where a URL goes, without its query (Moodle's return URL carries a sesskey). */
export const urlForLog = (u: string) => {
  try {
    const url = new URL(u);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(invalid)';
  }
};

export function pickerSummary(settings: DeepLinkingSettingsInput): Record<string, unknown> {
  return {
    accept_types: settings.accept_types,
    accept_multiple: deepLinkingFlag(settings.accept_multiple) ?? null,
    accept_lineitem: deepLinkingFlag(settings.accept_lineitem) ?? null,
    accept_presentation_document_targets: settings.accept_presentation_document_targets ?? [],
    return_url: urlForLog(settings.deep_link_return_url),
    has_data: settings.data !== undefined,
  };
}
