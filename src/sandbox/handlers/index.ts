/**
 * Every hand-written handler by operation id. An operation listed here is answered by its handler; any
 * other goes to the resource engine, which refuses (501) what it cannot model.
 */
import { clientHandlers } from './clients.js';
import { connectionHandlers } from './connections.js';
import type { HandlerTable } from './context.js';
import { jobHandlers } from './jobs.js';
import { logHandlers } from './logs.js';
import { mfaHandlers } from './mfa.js';
import { resourceHandlers } from './resources.js';
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
  ...jobHandlers,
  ...resourceHandlers,
};
