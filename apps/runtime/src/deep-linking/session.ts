// The picker session: the validated deep-linking context, carried in a signed short-lived
// token (in the URL and the picker form) instead of a server-side session or a cookie, so the
// picker works in an LMS iframe without third-party cookies and on any runtime node.
import { isCryptoError } from '@tether/crypto';
import { type DeepLinkingErrorCode, type DeepLinkingSettingsInput, deepLinkingFlag } from '@tether/lti';
import { z } from 'zod';
import type { RuntimeDeps } from '../deps.js';

const PICKER_SESSION_PURPOSE = 'deep-link';
const PICKER_SESSION_TTL_SEC = 30 * 60;

export interface PickerSession {
  correlationId: string;
  platformId: string;
  launchId: string;
  deploymentId: string;
  settings: DeepLinkingSettingsInput;
  contextTitle: string | null;
}

const flag = (v: unknown) => {
  const b = deepLinkingFlag(v);
  return b === undefined ? '' : String(b);
};

export async function signPickerSession(deps: RuntimeDeps, s: PickerSession): Promise<string> {
  const { token } = await deps.tokens.sign({
    purpose: PICKER_SESSION_PURPOSE,
    data: {
      cid: s.correlationId,
      platform: s.platformId,
      launch: s.launchId,
      deployment: s.deploymentId,
      return_url: s.settings.deep_link_return_url,
      accept_types: JSON.stringify(s.settings.accept_types),
      targets: JSON.stringify(s.settings.accept_presentation_document_targets ?? []),
      accept_multiple: flag(s.settings.accept_multiple),
      accept_lineitem: flag(s.settings.accept_lineitem),
      // Present iff the request had it (an empty string is data too).
      ...(typeof s.settings.data === 'string' ? { data: s.settings.data } : {}),
      context: s.contextTitle ?? '',
    },
    ttlSec: PICKER_SESSION_TTL_SEC,
  });
  return token;
}

const sessionData = z.object({
  cid: z.string().min(1),
  platform: z.string().min(1),
  launch: z.string(),
  deployment: z.string().min(1),
  return_url: z.string().min(1),
  accept_types: z.string(),
  targets: z.string(),
  accept_multiple: z.enum(['true', 'false', '']),
  accept_lineitem: z.enum(['true', 'false', '']),
  data: z.string().optional(),
  context: z.string(),
});
const stringList = z.array(z.string());

export type PickerSessionResult = { ok: true; session: PickerSession } | { ok: false; code: DeepLinkingErrorCode };

export async function readPickerSession(deps: RuntimeDeps, token: unknown): Promise<PickerSessionResult> {
  if (typeof token !== 'string' || token === '' || token.length > 16 * 1024) return { ok: false, code: 'deep_link_session_invalid' };
  let raw: Record<string, string>;
  try {
    raw = (await deps.tokens.verify(token, { purpose: PICKER_SESSION_PURPOSE })).data;
  } catch (e) {
    if (!isCryptoError(e)) throw e;
    return { ok: false, code: e.code === 'one_time_token_expired' ? 'deep_link_session_expired' : 'deep_link_session_invalid' };
  }
  const d = sessionData.safeParse(raw);
  if (!d.success) return { ok: false, code: 'deep_link_session_invalid' };
  const acceptTypes = stringList.safeParse(safeJson(d.data.accept_types));
  const targets = stringList.safeParse(safeJson(d.data.targets));
  if (!acceptTypes.success || !targets.success) return { ok: false, code: 'deep_link_session_invalid' };
  const v = d.data;
  return {
    ok: true,
    session: {
      correlationId: v.cid,
      platformId: v.platform,
      launchId: v.launch,
      deploymentId: v.deployment,
      settings: {
        deep_link_return_url: v.return_url,
        accept_types: acceptTypes.data,
        accept_presentation_document_targets: targets.data,
        ...(v.accept_multiple ? { accept_multiple: v.accept_multiple === 'true' } : {}),
        ...(v.accept_lineitem ? { accept_lineitem: v.accept_lineitem === 'true' } : {}),
        ...(v.data !== undefined ? { data: v.data } : {}),
      },
      contextTitle: v.context || null,
    },
  };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
