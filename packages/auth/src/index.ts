export { createAuth, type AuthOptions, type TetherAuth } from './create-auth.js';
export { createWorkspaceAdmin, AdminError, type CreatedAdmin } from './admins.js';
