export { createAuth, deriveAuthSecret, type AuthOptions, type TetherAuth } from './create-auth.js';
export { createWorkspaceAdmin, AdminError, type CreatedAdmin } from './admins.js';
export { parseSetCookieHeader } from 'better-auth/cookies';
