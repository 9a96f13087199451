// What an admin types to connect an LMS by hand (dashboard form, CLI). One schema = the
// type and the check; error paths name the field.
import { z } from 'zod';
import { safeText } from './safe-text.js';

const httpsUrl = (label: string) =>
  safeText({ max: 2048, min: 1, trim: true, label }).pipe(z.url({ protocol: /^https?$/, error: `${label} must be an https:// URL (http:// only for local testing)` }));

/** Deployment IDs separated by spaces, commas or new lines; each ≤ 255 printable ASCII. */
export function parseDeploymentIds(raw: string | readonly string[]): string[] {
  const parts = (typeof raw === 'string' ? [raw] : raw).flatMap((s) => s.split(/[\s,]+/)).filter(Boolean);
  return [...new Set(parts)];
}

export const deploymentIdsSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => parseDeploymentIds(v))
  .pipe(
    z
      .array(
        z
          .string()
          .max(255, 'each deployment ID must be at most 255 characters')
          .regex(/^[\x21-\x7e]+$/, 'deployment IDs are printable ASCII without spaces'),
      )
      .min(1, 'at least one deployment ID is required'),
  );

export const platformInputSchema = z.object({
  name: safeText({ max: 120, min: 1, trim: true, label: 'name' }),
  issuer: httpsUrl('issuer').transform((u) => u.trim()),
  clientId: safeText({ max: 255, min: 1, trim: true, label: 'client ID' }),
  deploymentIds: deploymentIdsSchema,
  authLoginUrl: httpsUrl('authentication request URL'),
  tokenUrl: httpsUrl('access token URL'),
  jwksUrl: httpsUrl('public keyset URL'),
  tokenAudience: httpsUrl('token audience').optional(),
  deploymentPolicy: z.enum(['strict', 'learn']).default('strict'),
});

export type PlatformInput = z.output<typeof platformInputSchema>;

export const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lowercase letters, digits and dashes (max 63), starting with a letter or digit');

/** Turn a display name into a slug ("Acme Training!" → "acme-training"). */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}

/** Flatten a zod error into "field: message" lines. */
export function describeZodError(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`);
}
