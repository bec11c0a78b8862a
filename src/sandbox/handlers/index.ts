/**
 * Every stateful handler by operation id. An operation listed here is answered from the tenant's data;
 * any other operation gets its generated sample body.
 */
import { clientHandlers } from './clients.js';
import { connectionHandlers } from './connections.js';
import type { HandlerTable } from './context.js';
import { logHandlers } from './logs.js';
import { mfaHandlers } from './mfa.js';
import { roleHandlers } from './roles.js';
import { sessionHandlers } from './sessions.js';
import { ticketHandlers } from './tickets.js';
import { userHandlers } from './users.js';

/** Stateful handlers, keyed by operation id. */
export const STATEFUL_HANDLERS: HandlerTable = {
  ...userHandlers,
  ...roleHandlers,
  ...logHandlers,
  ...ticketHandlers,
  ...clientHandlers,
  ...connectionHandlers,
  ...sessionHandlers,
  ...mfaHandlers,
};
