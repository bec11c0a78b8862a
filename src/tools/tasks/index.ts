/**
 * Task tools: one call per job an agent is asked ("why can't carol log in?", "block dave"), built on the
 * catalog's operations and run only through a {@link TaskContext}, which the server implements on the
 * policy gate. Listing order is the order here: reading tools first.
 */
import { blockUser, revokeUserSessions, unblockUser } from './account-actions.js';
import type { TaskToolDefinition } from './define.js';
import { diagnoseLogin } from './diagnose-login.js';
import { findUsers } from './find-users.js';
import { MONOCLOUD_TASK_TOOL_DEFINITIONS } from './monocloud/index.js';
import { createPasswordChangeTicket } from './password-ticket.js';
import { listSecurityEvents } from './security-events.js';
import { reviewSecuritySettings } from './security-review.js';
import { diffTenant, snapshotTenant } from './tenant-snapshot.js';
import { getUserOverview } from './user-overview.js';

export type {
  PlannedRequest,
  SavedSnapshot,
  SnapshotDocument,
  SnapshotFiles,
  TaskAnswer,
  TaskConfirmation,
  TaskContext,
  TaskErrorCode,
  TaskGrant,
} from './context.js';
export { TaskError } from './context.js';
export type { TaskToolDefinition } from './define.js';
export { defineTaskTool } from './define.js';
export { ticketRuleViolations } from './password-ticket.js';

/** Every task tool, in listing order. */
export const TASK_TOOL_DEFINITIONS: readonly TaskToolDefinition[] = [
  findUsers,
  getUserOverview,
  diagnoseLogin,
  listSecurityEvents,
  reviewSecuritySettings,
  snapshotTenant,
  diffTenant,
  blockUser,
  unblockUser,
  revokeUserSessions,
  createPasswordChangeTicket,
];

/**
 * The task tools of a provider's catalog, under the same names wherever the job fits its model, so an
 * agent's habits carry over; a tool missing here (MonoCloud's `list_security_events`) is not listed.
 */
export function taskToolsFor(provider: string): readonly TaskToolDefinition[] {
  return provider === 'monocloud' ? MONOCLOUD_TASK_TOOL_DEFINITIONS : TASK_TOOL_DEFINITIONS;
}
