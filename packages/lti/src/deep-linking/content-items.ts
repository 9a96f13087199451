// Deep Linking 2.0 content items (the members of content_items), checked before they are
// signed. Extension members (e.g. a platform's own namespaced properties) are kept as given.
import { z } from 'zod';
import { CONTENT_ITEM_TYPE } from './constants.js';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const dimension = z.number().int().positive();
const text = z.string().max(4096);

const imageRef = z.looseObject({ url: httpUrl, width: dimension.optional(), height: dimension.optional() });
const windowHint = z.looseObject({
  targetName: z.string().max(255).optional(),
  width: dimension.optional(),
  height: dimension.optional(),
  windowFeatures: z.string().max(1024).optional(),
});
const iframeHint = z.looseObject({ src: httpUrl.optional(), width: dimension.optional(), height: dimension.optional() });
const timeWindow = z.looseObject({
  startDateTime: z.iso.datetime({ offset: true }).optional(),
  endDateTime: z.iso.datetime({ offset: true }).optional(),
});

/** A line item the platform creates with the link: `scoreMaximum` (> 0) is required. */
export const deepLinkLineItemSchema = z.looseObject({
  label: z.string().min(1).max(255).optional(),
  scoreMaximum: z.number({ error: 'lineItem.scoreMaximum is required and must be a number' }).positive('lineItem.scoreMaximum must be > 0'),
  resourceId: z.string().max(255).optional(),
  tag: z.string().max(255).optional(),
  gradesReleased: z.boolean().optional(),
});

/**
 * An LTI resource link. The spec lets `url` default to the tool's registered target, but some
 * platforms turn a link without one into "Invalid Link" (Blackboard), so Tether requires it.
 */
export const ltiResourceLinkItemSchema = z.looseObject({
  type: z.literal(CONTENT_ITEM_TYPE.ltiResourceLink),
  url: httpUrl,
  title: z.string().max(255).optional(),
  text: text.optional(),
  icon: imageRef.optional(),
  thumbnail: imageRef.optional(),
  window: windowHint.optional(),
  iframe: iframeHint.optional(),
  /** After the platform's substitution these come back as custom claims: strings only. */
  custom: z.record(z.string(), z.string({ error: 'custom values must be strings' })).optional(),
  lineItem: deepLinkLineItemSchema.optional(),
  available: timeWindow.optional(),
  submission: timeWindow.optional(),
});

export const linkItemSchema = z.looseObject({
  type: z.literal(CONTENT_ITEM_TYPE.link),
  url: httpUrl,
  title: z.string().max(255).optional(),
  text: text.optional(),
  icon: imageRef.optional(),
  thumbnail: imageRef.optional(),
  embed: z.looseObject({ html: z.string() }).optional(),
  window: windowHint.optional(),
  iframe: iframeHint.optional(),
});

export const fileItemSchema = z.looseObject({
  type: z.literal(CONTENT_ITEM_TYPE.file),
  url: httpUrl,
  title: z.string().max(255).optional(),
  text: text.optional(),
  icon: imageRef.optional(),
  thumbnail: imageRef.optional(),
  mediaType: z.string().optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

export const htmlItemSchema = z.looseObject({
  type: z.literal(CONTENT_ITEM_TYPE.html),
  html: z.string(),
  title: z.string().max(255).optional(),
  text: text.optional(),
});

export const imageItemSchema = z.looseObject({
  type: z.literal(CONTENT_ITEM_TYPE.image),
  url: httpUrl,
  title: z.string().max(255).optional(),
  text: text.optional(),
  icon: imageRef.optional(),
  thumbnail: imageRef.optional(),
  width: dimension.optional(),
  height: dimension.optional(),
});

export const contentItemSchema = z.discriminatedUnion('type', [ltiResourceLinkItemSchema, linkItemSchema, fileItemSchema, htmlItemSchema, imageItemSchema]);

export type LtiResourceLinkItem = z.output<typeof ltiResourceLinkItemSchema>;
export type LinkItem = z.output<typeof linkItemSchema>;
export type FileItem = z.output<typeof fileItemSchema>;
export type HtmlItem = z.output<typeof htmlItemSchema>;
export type ImageItem = z.output<typeof imageItemSchema>;
export type ContentItem = z.output<typeof contentItemSchema>;
export type DeepLinkLineItem = z.output<typeof deepLinkLineItemSchema>;
