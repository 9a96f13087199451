/** What a launch carries when the caller does not say. */
import type { ContextInfo } from './state.js';
import type { LaunchUser } from './types.js';

export const DEFAULT_USER: LaunchUser = {
  sub: 'sim-learner-1',
  name: 'Ada Lovelace',
  given_name: 'Ada',
  family_name: 'Lovelace',
  email: 'ada.lovelace@example.edu',
};

export const DEFAULT_CONTEXT: ContextInfo = {
  id: 'course-1',
  label: 'SIM101',
  title: 'Simulated Course 101',
  type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'],
};

export const DEFAULT_RESOURCE_LINK = { id: 'resource-link-1', title: 'Simulated activity' };
