// Step 4: the page shown after a successful registration tells the LMS it can close the
// registration window (popup: window.opener; iframe: window.parent).
import { REGISTRATION_CLOSE_SUBJECT } from './constants.js';

/**
 * Inline script for the final page. Posts to both the opener and the parent because the LMS
 * may have used either; either may be null (opener closed, no frame), and a top-level page's
 * parent is itself, which is skipped. targetOrigin is '*' as the spec says: the message carries
 * no data, and the tool does not know which origin the LMS UI runs on.
 */
export function registrationClosePageScript(): string {
  return `(function () {
  var message = { subject: ${JSON.stringify(REGISTRATION_CLOSE_SUBJECT)} };
  var targets = [window.opener, window.parent];
  for (var i = 0; i < targets.length; i++) {
    var target = targets[i];
    if (!target || target === window || (i === 1 && target === targets[0])) continue;
    try {
      target.postMessage(message, '*');
    } catch (e) {
      /* a closed or cross-origin-restricted window must not stop the other post */
    }
  }
})();`;
}
