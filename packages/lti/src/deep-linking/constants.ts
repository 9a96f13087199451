// Deep Linking 2.0 names: claim URIs of the response message and the content item types.
const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';

export const DL_CLAIM = {
  settings: `${DL}deep_linking_settings`,
  contentItems: `${DL}content_items`,
  data: `${DL}data`,
  msg: `${DL}msg`,
  log: `${DL}log`,
  errormsg: `${DL}errormsg`,
  errorlog: `${DL}errorlog`,
} as const;

export const DEEP_LINKING_RESPONSE = 'LtiDeepLinkingResponse';

export const CONTENT_ITEM_TYPE = {
  link: 'link',
  ltiResourceLink: 'ltiResourceLink',
  file: 'file',
  html: 'html',
  image: 'image',
} as const;
export type ContentItemType = (typeof CONTENT_ITEM_TYPE)[keyof typeof CONTENT_ITEM_TYPE];

/** Upper bound on the response lifetime: platforms verify it at once; libraries use 60 s–10 min. */
export const MAX_RESPONSE_LIFETIME_SEC = 600;
