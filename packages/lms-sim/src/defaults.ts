/** What a launch carries when the caller does not say. */
import { ROLE } from './constants.js';
import type { ContextInfo } from './state.js';
import type { LaunchAs, LaunchSpec, LaunchUser } from './types.js';

export const DEFAULT_USER: LaunchUser = {
  sub: 'sim-learner-1',
  name: 'Ada Lovelace',
  given_name: 'Ada',
  family_name: 'Lovelace',
  email: 'ada.lovelace@example.edu',
};

/** The teacher of the home page's instructor launches. */
export const DEFAULT_INSTRUCTOR: LaunchUser = {
  sub: 'sim-instructor-1',
  name: 'Grace Hopper',
  given_name: 'Grace',
  family_name: 'Hopper',
  email: 'grace.hopper@example.edu',
};

export const DEFAULT_CONTEXT: ContextInfo = {
  id: 'course-1',
  label: 'SIM101',
  title: 'Simulated Course 101',
  type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'],
};

export const DEFAULT_RESOURCE_LINK = { id: 'resource-link-1', title: 'Simulated activity' };

/** The user and roles of a home-page launch: the same two people every time, so a tool sees returning users. */
export function personFor(as: LaunchAs): Pick<LaunchSpec, 'user' | 'roles'> {
  return as === 'instructor' ? { user: { ...DEFAULT_INSTRUCTOR }, roles: [ROLE.instructor] } : { user: { ...DEFAULT_USER }, roles: [ROLE.learner] };
}
