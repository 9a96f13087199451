import { z } from 'zod';
import { AgsError } from './errors.js';

export interface LineItemInput {
  label: string;
  /** > 0. */
  scoreMaximum: number;
  resourceId?: string;
  resourceLinkId?: string;
  tag?: string;
  startDateTime?: string | Date;
  endDateTime?: string | Date;
  gradesReleased?: boolean;
  /** Platform extensions, keyed by full URI (Canvas: `https://canvas.instructure.com/lti/submission_type`). */
  extensions?: Record<string, unknown>;
}

export interface LineItem {
  /** The line item URL. */
  id: string;
  label: string;
  scoreMaximum: number;
  resourceId?: string;
  resourceLinkId?: string;
  tag?: string;
  startDateTime?: string;
  endDateTime?: string;
  gradesReleased?: boolean;
  [member: string]: unknown;
}

export interface AgsResult {
  id?: string;
  scoreOf?: string;
  userId: string;
  resultScore?: number;
  resultMaximum?: number;
  comment?: string;
  [member: string]: unknown;
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

function invalid(message: string, field: string): AgsError {
  return new AgsError('ags_invalid_lineitem', message, { details: { field } });
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw invalid(`${field} must be a non-empty string`, field);
  return value;
}

function optionalDate(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Date) {
    if (!Number.isFinite(value.getTime())) throw invalid(`${field} is an invalid Date`, field);
    return value.toISOString();
  }
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value) || !Number.isFinite(Date.parse(value))) {
    throw invalid(`${field} must be an ISO 8601 date-time with a UTC offset`, field);
  }
  return value;
}

/** Checks a line item against the AGS rules (label, scoreMaximum > 0) and builds the JSON body. */
export function buildLineItemBody(input: LineItemInput): Record<string, unknown> {
  if (input === null || typeof input !== 'object') throw invalid('line item must be an object', 'lineItem');
  if (typeof input.label !== 'string' || input.label.trim() === '') throw invalid('label is required', 'label');
  if (typeof input.scoreMaximum !== 'number' || !Number.isFinite(input.scoreMaximum) || input.scoreMaximum <= 0) {
    throw invalid('scoreMaximum must be a finite number > 0', 'scoreMaximum');
  }
  if (input.gradesReleased !== undefined && typeof input.gradesReleased !== 'boolean') {
    throw invalid('gradesReleased must be a boolean', 'gradesReleased');
  }
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input.extensions ?? {})) {
    // Full-URI keys only, so an extension can never overwrite a standard field.
    if (!/^[a-z][a-z0-9+.-]*:/i.test(k)) throw invalid(`extension key "${k}" must be a full URI`, 'extensions');
    body[k] = v;
  }
  const optional = {
    resourceId: optionalString(input.resourceId, 'resourceId'),
    resourceLinkId: optionalString(input.resourceLinkId, 'resourceLinkId'),
    tag: optionalString(input.tag, 'tag'),
    startDateTime: optionalDate(input.startDateTime, 'startDateTime'),
    endDateTime: optionalDate(input.endDateTime, 'endDateTime'),
    gradesReleased: input.gradesReleased,
  };
  body.label = input.label;
  body.scoreMaximum = input.scoreMaximum;
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) body[k] = v;
  return body;
}

// Platforms send `null` for absent optional members; treat it as absent.
const optionalStr = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);
const optionalNum = z
  .number()
  .nullish()
  .transform((v) => v ?? undefined);

const lineItemSchema = z.looseObject({
  id: z.string().min(1),
  label: z.string(),
  scoreMaximum: z.number(),
  resourceId: optionalStr,
  resourceLinkId: optionalStr,
  tag: optionalStr,
  startDateTime: optionalStr,
  endDateTime: optionalStr,
  gradesReleased: z
    .boolean()
    .nullish()
    .transform((v) => v ?? undefined),
});

const resultSchema = z.looseObject({
  id: optionalStr,
  scoreOf: optionalStr,
  userId: z.string().min(1),
  resultScore: optionalNum,
  resultMaximum: optionalNum,
  comment: optionalStr,
});

function dropUndefined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

function invalidResponse(what: string, url: string, issues: z.core.$ZodIssue[]): AgsError {
  return new AgsError('ags_invalid_response', `${url} answered with an invalid ${what}`, {
    details: { url, issues: issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) },
  });
}

export function parseLineItem(value: unknown, url: string): LineItem {
  const parsed = lineItemSchema.safeParse(value);
  if (!parsed.success) throw invalidResponse('line item', url, parsed.error.issues);
  return dropUndefined(parsed.data) as LineItem;
}

export function parseResult(value: unknown, url: string): AgsResult {
  const parsed = resultSchema.safeParse(value);
  if (!parsed.success) throw invalidResponse('result', url, parsed.error.issues);
  return dropUndefined(parsed.data) as AgsResult;
}
