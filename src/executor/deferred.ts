/**
 * An executor made on first need (a sandbox to start, undici to load), so the server answers `initialize`
 * before paying for the tenant side. `start()` warms it up early; calls wait for it either way.
 */
import { TenantError } from './errors.js';
import type { Executor } from './types.js';

/** An executor that is built by `factory` once, on `start()` or on the first `send`. */
export interface DeferredExecutor extends Executor {
  /** Begins building the real executor now (idempotent); resolves when it is ready. */
  start(): Promise<Executor>;
}

/** Wraps `factory`; `baseUrl` is what to report until the real executor exists. */
export function createDeferredExecutor(factory: () => Promise<Executor>, baseUrl: string): DeferredExecutor {
  let ready: Promise<Executor> | undefined;
  let resolved: Executor | undefined;
  const start = () => {
    ready ??= factory().then(
      (executor) => {
        resolved = executor;
        return executor;
      },
      (error: Error) => {
        throw new TenantError(
          `Could not set up the connection to the tenant: ${error.message}. A person must fix the server's settings.`,
          { code: 'network' },
          { cause: error },
        );
      },
    );
    return ready;
  };
  return {
    get baseUrl() {
      return resolved?.baseUrl ?? baseUrl;
    },
    start,
    send: async (request) => (await start()).send(request),
    grantedScopes: async (signal) => (await start()).grantedScopes?.(signal),
    async close() {
      if (!ready) return;
      const executor = await ready.catch(() => undefined);
      await executor?.close();
    },
  };
}
