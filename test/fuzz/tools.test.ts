// Property-based fuzzing of every tool of both providers, valid-shaped and hostile calls alike, against
// the real executor, gate and server with a recording upstream (harness.ts holds the arbitraries and
// the oracle). At least 10,000 calls per run; the seed is printed, FUZZ_SEED replays it and FUZZ_RUNS
// makes a longer run (FUZZ_RUNS=200000 npx vitest run test/fuzz).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FuzzLane, fuzzCase, loadTarget, startFuzzLane } from './harness.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
// The seed goes to stdout before anything can fail, so a failing CI run can be replayed.
console.log(`fuzz: ${RUNS} calls, seed ${SEED}; replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);

describe.each([
  ['auth0', 0.6],
  ['monocloud', 0.4],
] as const)('fuzzing every %s tool', (provider, share) => {
  let lane: FuzzLane;
  beforeAll(async () => {
    lane = await startFuzzLane(await loadTarget(provider));
  });
  afterAll(() => lane?.close());

  const runs = Math.ceil(RUNS * share);
  it(`${runs} calls: no crash, hang or internal error; invalid ones refused by name with nothing sent, valid ones sent as validated`, async () => {
    await fc.assert(
      fc.asyncProperty(fuzzCase(lane.target), (call) => lane.run(call)),
      { numRuns: runs, seed: SEED, endOnFailure: true },
    );
    expect(lane.calls()).toBeGreaterThanOrEqual(runs);
  }, 600_000);
});
