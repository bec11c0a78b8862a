/**
 * The confirmation step: a person says yes to the effects a decision said need one, through a channel the
 * operator trusts for the caller. In order: an approval id the agent repeats the call with; otherwise, a
 * form in the client when the caller may confirm there; otherwise, a held call a person approves out of
 * band (`tenant-mcp approve`, the approvals page, a chat-ops webhook). Every outcome that is not a yes
 * (declined, cancelled, the client failing or timing out, a malformed answer) refuses the call with an
 * audit record and words the agent can act on. A person's "no" is remembered per effect, so the same
 * change is refused through every route for a while.
 */

import { SharedStateUnavailable } from '../shared/redis.js';
import {
  ApprovalError,
  type ApprovalRecord,
  type ApprovalStore,
  DEFAULT_DECLINE_TTL_MS,
  type DeclineRecord,
} from './approvals.js';
import { MAX_VIEW_CHARS, renderView, type ViewChange } from './approver-view.js';
import type { CallAudit } from './call-audit.js';
import { mayConfirmInClient } from './decide.js';
import { bindingOf, bound, type Effect, effectHash } from './effects.js';
import { CallError } from './errors.js';
import { describeRequest, type Previewer } from './preview.js';
import { toTenantRequest } from './request.js';
import { type Caller, type ConfirmationAnswer, ConfirmationPending, type Profile } from './types.js';

/** What the confirmation step is built from. */
export interface ConfirmationOptions {
  /** The tenant's name (approvals bind it) and domain (the approver sees it). */
  tenant: { name: string; domain: string };
  /** The active profile (its elicitation setting, its name for the approver). */
  profile: Profile;
  /** Reads current state and targets for the approver's view. */
  previewer: Previewer;
  /** The API's base path, as the view shows requests (`/api/v2`). */
  apiBasePath?: string | undefined;
  /** Where held calls and declines are kept; without it, nothing can be held and declines live in memory. */
  approvals?: ApprovalStore | undefined;
  /** Told when a call is held (the webhook); failures here never affect the call. */
  onHeld?: ((record: ApprovalRecord) => void) | undefined;
  /**
   * How a person approves a held call out of band, in words for the agent: the approvals page link over
   * HTTP, `tenant-mcp approve` on stdio (the default).
   */
  heldHint?: ((record: ApprovalRecord) => string) | undefined;
  /** How long a decline refuses the same change (default 15 minutes). */
  declineTtlMs?: number | undefined;
  /** Clock. */
  now?: () => number;
  /** Diagnostics. */
  log: (line: string) => void;
}

/** One confirmation to obtain. */
export interface ConfirmInput {
  /** The effects that need a person (at least one). */
  effects: readonly Effect[];
  /** The tool the call came through. */
  tool: string;
  /** Who asks, and through which client. */
  caller: Caller;
  /** An approval id the agent repeated the call with. */
  approvalId?: string | undefined;
  /** For a task: our sentence saying what it does, and its steps that need no person in the profile. */
  task?: { summary: string; others?: readonly Effect[] } | undefined;
  /** The call's audit context. */
  audit: CallAudit;
  /** Aborts the reads the view needs. */
  signal?: AbortSignal | undefined;
}

/** How a confirmation was obtained. */
export interface Confirmation {
  /** The approval id used, when it came out of band. */
  approvalId?: string;
  /** `approval` (out of band) or `client` (a form in the caller's client). */
  via: 'approval' | 'client';
}

/** The confirmation step of a gate. */
export interface Confirmations {
  /** Refuses (with a record) when a person declined one of these effects recently. */
  checkDeclined(effects: readonly Effect[], audit: CallAudit): Promise<void>;
  /** Obtains a person's yes for the effects, or throws why not (recorded). */
  confirm(input: ConfirmInput): Promise<Confirmation>;
}

const time = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Creates the confirmation step. */
export function createConfirmations(options: ConfirmationOptions): Confirmations {
  const { tenant, profile, previewer, approvals, apiBasePath } = options;
  const now = options.now ?? Date.now;
  const declineTtl = options.declineTtlMs ?? DEFAULT_DECLINE_TTL_MS;
  // Without a store (embedded use, tests) declines are remembered in memory, bounded.
  const memory = new Map<string, DeclineRecord>();
  const declines = {
    async record(decline: Omit<DeclineRecord, 'hash'>, hashes: readonly string[]): Promise<void> {
      if (approvals) {
        await approvals.recordDecline(decline, hashes);
        return;
      }
      if (memory.size > 10_000) memory.clear();
      for (const hash of hashes) memory.set(hash, { ...decline, hash });
    },
    async find(hash: string): Promise<DeclineRecord | undefined> {
      if (approvals) return approvals.declined(hash);
      const found = memory.get(hash);
      return found && found.until > now() ? found : undefined;
    },
  };

  const subjectOf = (input: ConfirmInput) =>
    input.task || input.effects.length !== 1 ? input.tool : input.effects[0]!.op.id;

  async function view(input: ConfirmInput): Promise<string> {
    // The request alone (path and body, as a person would read them) already too long: refuse before
    // reading anything for the view.
    const bare = input.effects.reduce((sum, effect) => {
      const described = describeRequest(toTenantRequest(effect.op, { ...effect.args }), apiBasePath);
      return sum + described.path.length + (JSON.stringify(described.body) ?? '').length;
    }, 0);
    if (bare > MAX_VIEW_CHARS) await refuseTooLong(input, bare, 'its request path and body alone');
    const changes = await Promise.all(
      input.effects.map(async (effect): Promise<ViewChange> => {
        const request = toTenantRequest(effect.op, { ...effect.args });
        const preview = await previewer.preview(effect.op, effect.args, request, input.signal);
        const targets = await previewer.targets(effect.op, effect.args, input.signal, preview);
        return {
          op: effect.op,
          risk: effect.risk,
          request: preview.request,
          targets,
          ...(preview.changes ? { changes: preview.changes } : {}),
          ...(preview.removes && preview.current !== undefined ? { removes: preview.current } : {}),
        };
      }),
    );
    const client = input.caller.client;
    const rendered = renderView({
      tenant,
      requester: {
        client: client.version ? `${client.name} ${client.version}` : client.name,
        principal: client.principal,
        profile: profile.name,
        tool: input.tool,
      },
      ...(input.task
        ? { task: { tool: input.tool, summary: input.task.summary, others: input.task.others ?? [] } }
        : {}),
      changes,
    });
    if (!rendered.ok) await refuseTooLong(input, rendered.length, `${rendered.fields} field(s)`);
    return (rendered as { text: string }).text;
  }

  async function refuseTooLong(input: ConfirmInput, length: number, what: string): Promise<never> {
    return input.audit.refuse(
      new CallError(
        'change_too_large',
        `${subjectOf(input)} would take ${length} characters to show a person (${what}), over the ` +
          `${MAX_VIEW_CHARS.toLocaleString('en-US')} characters a person is shown; a change nobody can read whole ` +
          'is not put to a person. Nothing was sent: send fewer or shorter values per call.',
      ),
      ['view:too long to show whole'],
    );
  }

  async function hold(input: ConfirmInput, summary: string, why?: string): Promise<never> {
    const subject = subjectOf(input);
    if (!approvals) {
      throw new CallError(
        'approval_required',
        `${why ? `${why} ` : ''}${subject} needs a person's confirmation and this server keeps no approvals; nothing was sent.`,
        { subject },
      );
    }
    const client = input.caller.client;
    const record = await approvals.create({
      tenant: tenant.name,
      operation: subject,
      effects: input.effects.map(bound),
      risk: input.effects.some((effect) => effect.risk === 'destructive') ? 'destructive' : 'write',
      summary,
      requestedBy: {
        client: client.version ? `${client.name} ${client.version}` : client.name,
        ...(client.principal ? { principal: client.principal } : {}),
        profile: profile.name,
        tool: input.tool,
      },
    });
    await input.audit.record(
      'held',
      why ? `${why} Held for a person out of band.` : 'waiting for a person to approve',
      {
        approvalId: record.id,
      },
    );
    try {
      options.onHeld?.(record);
    } catch (error) {
      options.log(`tenant-mcp: approval notification failed: ${(error as Error).message}`);
    }
    const how = options.heldHint?.(record) ?? `Ask a person to run:\n  tenant-mcp approve ${record.id}\n`;
    throw new CallError(
      'approval_required',
      `${why ? `${why} ` : ''}${subject} needs a person's approval; nothing was sent. ${how}` +
        `Then repeat the same call with approval_id: "${record.id}" (beside the other arguments of the tool, not inside arguments). ` +
        `It expires at ${time(record.expiresAt)} and works once, for exactly these changes.`,
      { subject, approvalId: record.id },
    );
  }

  async function ask(input: ConfirmInput, summary: string): Promise<ConfirmationAnswer> {
    const confirmer = input.caller.confirmer!;
    try {
      return await confirmer.ask({
        operation: subjectOf(input),
        risk: input.effects.some((effect) => effect.risk === 'destructive') ? 'destructive' : 'write',
        tenant: tenant.name,
        summary,
        binding: bindingOf(tenant.name, input.effects.map(bound)),
      });
    } catch (error) {
      if (error instanceof ConfirmationPending) {
        // The question went out; its answer comes with the retry of this same call.
        await input.audit.record(
          'held',
          'asked a person in the client; the answer comes with the retried call',
          {
            rules: ['person:asked in the client'],
          },
        );
        throw error;
      }
      // Redis down while the answer's single use was being taken: refused as such, not as a client failure.
      if (error instanceof SharedStateUnavailable) throw error;
      return { failed: `the client failed to ask (${(error as Error)?.message ?? String(error)})` };
    }
  }

  return {
    async checkDeclined(effects, audit) {
      for (const effect of effects) {
        if (effect.op.risk === 'read') continue;
        const found = await declines.find(effectHash(tenant.name, bound(effect)));
        if (!found) continue;
        await audit.refuse(
          new CallError(
            'declined',
            `A person (${found.by}) declined ${effect.op.id} with these arguments at ${time(found.at)} (record ${found.ref}); ` +
              `the same change is refused through every tool until ${time(found.until)}. Nothing was sent.`,
            { operation: effect.op.id, declinedBy: found.ref },
          ),
          [`declined:${found.ref}`],
        );
      }
    },

    async confirm(input) {
      const subject = subjectOf(input);
      const bindings = input.effects.map(bound);
      if (input.approvalId) {
        if (!approvals) {
          await input.audit.refuse(
            new CallError('approval_invalid', 'This server keeps no approvals; nothing was sent.'),
          );
        }
        try {
          await approvals!.consume(input.approvalId, {
            tenant: tenant.name,
            operation: subject,
            effects: bindings,
          });
          return { approvalId: input.approvalId, via: 'approval' };
        } catch (error) {
          if (!(error instanceof ApprovalError)) throw error;
          return input.audit.refuse(
            new CallError('approval_invalid', error.message, { subject, approval: error.code }),
            [`approval:${error.code}`],
            { approvalId: input.approvalId },
          );
        }
      }
      const summary = await view(input);
      const inClient = mayConfirmInClient(profile, input.caller) && input.caller.confirmer?.canAsk() === true;
      if (!inClient) return hold(input, summary);
      const answer = await ask(input, summary);
      if (answer === 'accept') return { via: 'client' };
      if (answer === 'decline') {
        await declines.record(
          {
            operation: subject,
            until: now() + declineTtl,
            at: now(),
            by: 'a person in the client',
            ref: input.audit.correlationId,
          },
          bindings.map((effect) => effectHash(tenant.name, effect)),
        );
        return input.audit.refuse(
          new CallError(
            'declined',
            `A person declined ${subject}; nothing was sent. The same change is refused through every tool until ` +
              `${time(now() + declineTtl)}; do not ask again for it.`,
            { subject },
          ),
          ['person:declined'],
          { decision: 'declined' },
        );
      }
      if (answer === 'cancel') {
        return input.audit.refuse(
          new CallError('declined', `A person cancelled the confirmation of ${subject}; nothing was sent.`, {
            subject,
          }),
          ['person:cancelled'],
          { decision: 'declined' },
        );
      }
      const why = `No confirmation came from the client: ${answer.failed}.`;
      await input.audit.record('refused', `${why} Nothing was sent.`, { rules: ['person:no answer'] });
      return hold(input, summary, why);
    },
  };
}
