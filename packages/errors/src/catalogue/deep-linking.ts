// Deep linking: the person in front of the picker is an instructor adding content.
import type { CatalogueSlice } from './entry.js';

const AGAIN = 'Close this window and add the activity again from your course.';

export const deepLinkingEntries: CatalogueSlice = {
  deep_link_settings_invalid: {
    status: 400,
    learner: `Your learning platform sent settings this tool cannot answer. ${AGAIN}`,
    admin: 'The deep-linking settings of the request are unusable (for example a deep_link_return_url that is not an http(s) URL).',
    fix: 'Check the LMS placement that opens the picker; its deep-linking settings are listed in the timeline.',
  },
  deep_link_type_not_accepted: {
    status: 400,
    learner: 'This place in your course cannot hold a scenario link. Add the activity from an assignment or module instead.',
    admin: 'The platform’s accept_types for this placement does not include ltiResourceLink, the only content type Tether returns.',
    fix: 'Open the picker from a placement that accepts LTI links (Canvas: assignment or link selection; Moodle: “Select content” on an external tool activity).',
  },
  deep_link_multiple_not_accepted: {
    status: 400,
    learner: 'This place in your course takes one scenario at a time. Go back and choose just one.',
    admin: 'More than one content item was chosen, but the request’s accept_multiple is false.',
    fix: 'Nothing to fix in the LMS: instructors choose a single scenario for this placement.',
  },
  deep_link_item_invalid: {
    status: 500,
    learner: `Something went wrong preparing the link. ${AGAIN}`,
    admin: 'A content item Tether built failed validation (named in the details) — a bug, not an LMS problem.',
    fix: 'Report the correlation ID to the Tether team.',
  },
  deep_link_selection_invalid: {
    status: 400,
    learner: 'The chosen scenario is no longer available. Go back to the picker and choose again.',
    admin: 'The picker was submitted with a scenario that is not (or no longer) in this workspace.',
    fix: 'Check the workspace’s scenarios in the dashboard; it may have been removed while the picker was open.',
  },
  deep_link_session_invalid: {
    status: 401,
    learner: `This scenario picker link is not valid. ${AGAIN}`,
    admin: 'The picker session token is missing, altered, or issued for something else.',
    fix: 'Nothing to fix if it was a copied or edited URL; pickers must be opened from the LMS.',
  },
  deep_link_session_expired: {
    status: 401,
    learner: `The scenario picker was open too long and expired. ${AGAIN}`,
    admin: 'The picker session (valid 30 minutes) expired before a scenario was sent back.',
    fix: 'Usually a one-off; open the picker again from the LMS.',
  },
  deep_link_already_sent: {
    status: 409,
    learner: 'Your choice was already sent to your course. Close this window and check the activity list.',
    admin: 'This picker already returned its deep-linking response; a picker answers once (a double submit or a browser back).',
    fix: 'Nothing to fix; open the picker again from the LMS to add more.',
  },
};
