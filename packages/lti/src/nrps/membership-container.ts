// One page of a membership container, validated leniently: what a tool needs must be there
// (`members[]`, each with a `user_id`), everything optional is dropped when malformed rather
// than failing the roster over a bad `picture`.
import { z } from 'zod';

export type NrpsMemberStatus = 'Active' | 'Inactive' | 'Deleted';

export interface NrpsMember {
  userId: string;
  /** `Active` when the platform leaves it out (the spec default). */
  status: NrpsMemberStatus;
  /** Role URIs (or short names) as the platform sent them; `[]` when absent. */
  roles: string[];
  name?: string;
  givenName?: string;
  familyName?: string;
  middleName?: string;
  email?: string;
  picture?: string;
  lisPersonSourcedId?: string;
  /** Per-member launch claims, present when the request named a resource link (`rlid`). */
  message?: Record<string, unknown>[];
}

export interface NrpsContext {
  id: string;
  label?: string;
  title?: string;
}

interface MembershipPage {
  /** The container `id` (the platform's URL of this page), when sent. */
  id: string | null;
  context: NrpsContext | null;
  members: NrpsMember[];
}

/** A non-empty string, or absent: null, numbers, objects and '' all count as "not sent". */
const optionalText = z
  .unknown()
  .transform((v) => (typeof v === 'string' && v !== '' ? v : undefined))
  .optional();

const STATUSES: Record<string, NrpsMemberStatus> = { active: 'Active', inactive: 'Inactive', deleted: 'Deleted' };

const memberSchema = z.looseObject({
  // Some platforms serialise numeric user ids as numbers; the id is opaque either way.
  user_id: z.union([z.string().min(1), z.number().transform(String)]),
  status: z
    .string()
    .transform((v, ctx) => {
      const status = STATUSES[v.trim().toLowerCase()];
      if (status === undefined) {
        ctx.addIssue({ code: 'custom', message: 'status must be Active, Inactive or Deleted' });
        return z.NEVER;
      }
      return status;
    })
    .nullish()
    .transform((v): NrpsMemberStatus => v ?? 'Active'),
  roles: z
    .array(z.unknown())
    .nullish()
    .transform((v) => (v ?? []).filter((r): r is string => typeof r === 'string' && r !== '')),
  name: optionalText,
  given_name: optionalText,
  family_name: optionalText,
  middle_name: optionalText,
  email: optionalText,
  picture: optionalText,
  lis_person_sourcedid: optionalText,
  message: z
    .unknown()
    .transform((v) => (Array.isArray(v) ? v.filter((m): m is Record<string, unknown> => m !== null && typeof m === 'object' && !Array.isArray(m)) : undefined))
    .optional(),
});

const contextSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number().transform(String)]),
  label: optionalText,
  title: optionalText,
});

const containerSchema = z.looseObject({
  id: optionalText,
  context: z.unknown().optional(),
  members: z.array(memberSchema),
});

export type ParsedPage = { ok: true; page: MembershipPage } | { ok: false; path: string; message: string };

/** Validates one decoded JSON page; never throws. */
export function parseMembershipPage(json: unknown): ParsedPage {
  const parsed = containerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      path: issue ? issue.path.map(String).join('.') || '(root)' : '(root)',
      message: issue?.message ?? 'not a membership container',
    };
  }
  const ctx = contextSchema.safeParse(parsed.data.context);
  let context: NrpsContext | null = null;
  if (ctx.success) {
    context = { id: ctx.data.id };
    if (ctx.data.label !== undefined) context.label = ctx.data.label;
    if (ctx.data.title !== undefined) context.title = ctx.data.title;
  }
  const members = parsed.data.members.map((m): NrpsMember => {
    const out: NrpsMember = { userId: m.user_id, status: m.status, roles: m.roles };
    if (m.name !== undefined) out.name = m.name;
    if (m.given_name !== undefined) out.givenName = m.given_name;
    if (m.family_name !== undefined) out.familyName = m.family_name;
    if (m.middle_name !== undefined) out.middleName = m.middle_name;
    if (m.email !== undefined) out.email = m.email;
    if (m.picture !== undefined) out.picture = m.picture;
    if (m.lis_person_sourcedid !== undefined) out.lisPersonSourcedId = m.lis_person_sourcedid;
    if (m.message !== undefined) out.message = m.message;
    return out;
  });
  return { ok: true, page: { id: parsed.data.id ?? null, context, members } };
}
