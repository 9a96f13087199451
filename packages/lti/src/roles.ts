// Role URIs: LTI Core lets context roles arrive as bare short names ("Instructor"); normalise
// both forms to full URIs so one comparison works.
const MEMBERSHIP = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';
const SHORT_CONTEXT_ROLES = new Set(['Administrator', 'ContentDeveloper', 'Instructor', 'Learner', 'Mentor', 'Manager', 'Member', 'Officer']);

export const ROLE = {
  instructor: `${MEMBERSHIP}Instructor`,
  learner: `${MEMBERSHIP}Learner`,
  administrator: `${MEMBERSHIP}Administrator`,
  contentDeveloper: `${MEMBERSHIP}ContentDeveloper`,
  mentor: `${MEMBERSHIP}Mentor`,
  testUser: 'http://purl.imsglobal.org/vocab/lti/system/person#TestUser',
} as const;

export function normaliseRoles(roles: readonly string[]): string[] {
  return [
    ...new Set(
      roles
        .map((r) => r.trim())
        .filter(Boolean)
        .map((r) => (SHORT_CONTEXT_ROLES.has(r) ? `${MEMBERSHIP}${r}` : r)),
    ),
  ];
}

/** Instructor-like roles (incl. sub-roles such as membership/Instructor#TeachingAssistant). */
export function isInstructor(roles: readonly string[]): boolean {
  return normaliseRoles(roles).some(
    (r) => r === ROLE.instructor || r === ROLE.administrator || r === ROLE.contentDeveloper || r.startsWith('http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#'),
  );
}
