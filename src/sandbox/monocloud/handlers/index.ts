/**
 * Every hand-written MonoCloud handler by operation id. The 53 Users operations are all here, with
 * their own body rules; the others here add a rule around the resource engine, which serves every
 * operation without a handler.
 */
import { applicationHandlers } from './applications.js';
import type { MonoHandlerTable } from './context.js';
import { credentialHandlers } from './credentials.js';
import { grantHandlers } from './grants.js';
import { groupHandlers } from './groups.js';
import { groupAdminHandlers } from './groups-admin.js';
import { identifierHandlers } from './identifiers.js';
import { keyHandlers } from './keys.js';
import { networkZoneHandlers } from './network-zones.js';
import { optionHandlers } from './options.js';
import { resourceHandlers } from './resources.js';
import { sessionHandlers } from './sessions.js';
import { trustStoreHandlers } from './trust-stores.js';
import { userHandlers } from './users.js';

/** The Users client's handlers, which read their bodies themselves. */
export const USERS_HANDLERS: MonoHandlerTable = {
  ...userHandlers,
  ...identifierHandlers,
  ...credentialHandlers,
  ...sessionHandlers,
  ...groupHandlers,
  ...grantHandlers,
};

/** Stateful handlers, keyed by operation id. */
export const MONOCLOUD_HANDLERS: MonoHandlerTable = {
  ...USERS_HANDLERS,
  ...applicationHandlers,
  ...groupAdminHandlers,
  ...resourceHandlers,
  ...keyHandlers,
  ...networkZoneHandlers,
  ...optionHandlers,
  ...trustStoreHandlers,
};
