/**
 * The per-call deadline (`TENANT_MCP_CALL_TIMEOUT`): one clock for a whole tool call, every tenant request
 * and retry of it included, so a stalled tenant cannot hold a call for a minute per attempt. The clock
 * stops while a person is asked to confirm: reading a summary is not the tenant being slow.
 */
import type { Confirmer } from '../policy/index.js';

export { DEFAULT_CALL_TIMEOUT_MS } from './config.js';

/** The deadline of one call. */
export interface CallDeadline {
  /** Aborts when the client cancels the call or the deadline passes; hand it to every tenant request. */
  readonly signal: AbortSignal;
  /** Whether the deadline passed (rather than the client cancelling). */
  expired(): boolean;
  /** `confirmer` with the clock stopped while it waits for a person. */
  pausing(confirmer: Confirmer): Confirmer;
  /** Stops the clock for good; call when the call ends. */
  clear(): void;
  /** The sentence that explains an error which the deadline caused. */
  readonly note: string;
}

/** Why the deadline aborted; the executor reports such an abort as a cancelled call. */
export class DeadlineExceeded extends Error {
  override readonly name = 'TimeoutError';
}

/** Starts the deadline of one call: `ms` of tenant time, or none when `ms` is 0. */
export function startDeadline(ms: number, parent?: AbortSignal): CallDeadline {
  const controller = new AbortController();
  const seconds = Math.round(ms / 100) / 10;
  const note = `tenant-mcp stopped this call at its deadline of ${seconds} s (TENANT_MCP_CALL_TIMEOUT).`;
  let expired = false;
  let remaining = ms;
  let startedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let pauses = 0;
  let cleared = false;
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParentAbort, { once: true });

  const run = () => {
    if (ms <= 0 || cleared || controller.signal.aborted) return;
    startedAt = Date.now();
    timer = setTimeout(() => {
      expired = true;
      controller.abort(new DeadlineExceeded(note));
    }, remaining);
    timer.unref?.();
  };
  const stop = () => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    remaining = Math.max(0, remaining - (Date.now() - startedAt));
  };
  run();

  return {
    signal: controller.signal,
    expired: () => expired,
    note,
    pausing: (confirmer) => ({
      canAsk: () => confirmer.canAsk(),
      async ask(request) {
        if (pauses++ === 0) stop();
        try {
          return await confirmer.ask(request);
        } finally {
          if (--pauses === 0) run();
        }
      },
    }),
    clear() {
      stop();
      cleared = true;
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}
