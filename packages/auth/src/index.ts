export { parseSetCookieHeader } from 'better-auth/cookies';
export { AdminError, type CreatedAdmin, createWorkspaceAdmin } from './admins.js';
export { type AuthOptions, createAuth, deriveAuthSecret, type TetherAuth } from './create-auth.js';
