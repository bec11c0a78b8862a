/**
 * Every MonoCloud handler by operation id; the sandbox's tests check that all 53 Users operations
 * have one.
 */
import type { MonoHandlerTable } from './context.js';
import { credentialHandlers } from './credentials.js';
import { grantHandlers } from './grants.js';
import { groupHandlers } from './groups.js';
import { identifierHandlers } from './identifiers.js';
import { sessionHandlers } from './sessions.js';
import { userHandlers } from './users.js';

/** Stateful handlers, keyed by operation id. */
export const MONOCLOUD_HANDLERS: MonoHandlerTable = {
  ...userHandlers,
  ...identifierHandlers,
  ...credentialHandlers,
  ...sessionHandlers,
  ...groupHandlers,
  ...grantHandlers,
};
