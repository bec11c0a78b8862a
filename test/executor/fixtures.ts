/**
 * Shared set-up for the executor tests: a fake clock whose sleeps return at once, and an executor aimed
 * at a recording upstream with deterministic jitter.
 */
import {
  createExecutor,
  type Executor,
  type ExecutorOptions,
  MONOCLOUD_PROVIDER,
} from '../../src/executor/index.js';
import type { RecordingUpstream } from '../helpers/recording-upstream.js';

/** A clock tests move by hand; `sleep` records the wait and moves the clock instead of waiting. */
export interface FakeClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  advance: (ms: number) => void;
  waits: number[];
}

/** A {@link FakeClock} starting at 2030-01-01T00:00:00Z, so HTTP dates in tests are easy to write. */
export function fakeClock(start = Date.UTC(2030, 0, 1)): FakeClock {
  let time = start;
  const waits: number[] = [];
  return {
    now: () => time,
    sleep: async (ms) => {
      waits.push(ms);
      time += ms;
    },
    advance: (ms) => {
      time += ms;
    },
    waits,
  };
}

/** An executor for `upstream` with a static token, a fake clock and no jitter, unless overridden. */
export function executorFor(
  upstream: RecordingUpstream,
  overrides: Partial<ExecutorOptions> = {},
): { executor: Executor; clock: FakeClock } {
  const clock = fakeClock();
  const executor = createExecutor({
    domain: upstream.url,
    auth: { kind: 'token', token: 'static-token-123' },
    version: '9.9.9',
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0,
    ...overrides,
  });
  return { executor, clock };
}

/** The API key of {@link monoCloudExecutorFor}; long and unusual, so a leak is easy to spot. */
export const MONOCLOUD_KEY = 'mck_live_7Qz3vN8pX2wR5tY9';

/** An executor for `upstream` configured as MonoCloud: `/api`, its name, an `x-api-key` credential. */
export function monoCloudExecutorFor(
  upstream: RecordingUpstream,
  overrides: Partial<ExecutorOptions> = {},
): { executor: Executor; clock: FakeClock } {
  return executorFor(upstream, {
    provider: MONOCLOUD_PROVIDER,
    auth: { kind: 'api_key', apiKey: MONOCLOUD_KEY },
    ...overrides,
  });
}

/** The rejection of `promise`, failing the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
