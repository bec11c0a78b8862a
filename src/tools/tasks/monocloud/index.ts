/**
 * The task tools on MonoCloud, under Auth0's names and, where the job is the same, Auth0's inputs, so an
 * agent's habits carry over. `list_security_events` stays Auth0-only: its story is Auth0's log event types,
 * and no MonoCloud counterpart was built. Listing order is the Auth0 order: reading tools first.
 */
import type { TaskToolDefinition } from '../define.js';
import { monoBlockUser, monoRevokeUserSessions, monoUnblockUser } from './account-actions.js';
import { monoDiagnoseLogin } from './diagnose-login.js';
import { monoFindUsers } from './find-users.js';
import { monoCreatePasswordChangeTicket } from './password-ticket.js';
import { monoReviewSecuritySettings } from './security-review.js';
import { monoDiffTenant, monoSnapshotTenant } from './tenant-snapshot.js';
import { monoGetUserOverview } from './user-overview.js';

/** Every MonoCloud task tool, in listing order. */
export const MONOCLOUD_TASK_TOOL_DEFINITIONS: readonly TaskToolDefinition[] = [
  monoFindUsers,
  monoGetUserOverview,
  monoDiagnoseLogin,
  monoReviewSecuritySettings,
  monoSnapshotTenant,
  monoDiffTenant,
  monoBlockUser,
  monoUnblockUser,
  monoRevokeUserSessions,
  monoCreatePasswordChangeTicket,
];
