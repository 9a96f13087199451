// What of a launch may be stored in the timeline: claims, never tokens or signatures;
// personal data trimmed to what an admin needs to recognise the learner.
const DROP = new Set(['https://purl.imsglobal.org/spec/lti/claim/lti1p1']);

export function redactClaims(claims: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(claims)) {
    if (DROP.has(k)) continue;
    if (k === 'email' && typeof v === 'string') out[k] = maskEmail(v);
    else if (k === 'picture') continue;
    else out[k] = v;
  }
  return out;
}

function maskEmail(email: string): string {
  const [user = '', domain = ''] = email.split('@');
  return `${user.slice(0, 1)}***@${domain}`;
}
