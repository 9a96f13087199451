// Names and limits of LTI Dynamic Registration 1.0 (https://www.imsglobal.org/spec/lti-dr/v1p0).
import { DOCUMENT_MAX_BYTES, OUTBOUND_TIMEOUT_MS } from '@tether/http';

/** Member of the platform's OpenID configuration that carries the LTI platform configuration. */
export const LTI_PLATFORM_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-platform-configuration';
/** Member of the registration request/response that carries the LTI tool configuration. */
export const LTI_TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
/** Canvas extension inside the tool configuration: which user data Canvas sends at launch. */
export const CANVAS_PRIVACY_LEVEL = 'https://canvas.instructure.com/lti/privacy_level';

/** Subject of the postMessage that tells the LMS the registration window can close. */
export const REGISTRATION_CLOSE_SUBJECT = 'org.imsglobal.lti.close';

export const DEFAULT_CONFIG_TIMEOUT_MS = 5000;
export const DEFAULT_REGISTER_TIMEOUT_MS = OUTBOUND_TIMEOUT_MS;
/** A real OpenID configuration is a few KiB; anything near this is not one. */
export const DEFAULT_MAX_CONFIG_BYTES = DOCUMENT_MAX_BYTES;
/** The registration answer echoes our request; the same bound applies. */
export const MAX_REGISTRATION_RESPONSE_BYTES = DOCUMENT_MAX_BYTES;
export const MAX_CONFIG_REDIRECTS = 3;
