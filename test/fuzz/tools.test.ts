// Property-based fuzzing of every tool of both providers, valid-shaped and hostile calls alike, against
// the real executor, gate and server with a recording upstream (harness.ts holds the arbitraries and
// the oracle). At least 10,000 calls per run; the seed is printed, FUZZ_SEED replays it and FUZZ_RUNS
// makes a longer run (FUZZ_RUNS=200000 npx vitest run test/fuzz).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/policy/audit/index.js';
import { type FuzzLane, fuzzCase, loadTarget, startFuzzLane } from './harness.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
// The seed goes to stdout before anything can fail, so a failing CI run can be replayed.
console.log(`fuzz: ${RUNS} calls, seed ${SEED}; replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);

describe.each([
  ['auth0', 0.55, false],
  ['monocloud', 0.35, false],
  ['auth0', 0.1, true],
] as const)('fuzzing every %s tool (audit trail: %s)', (provider, share, audit) => {
  let lane: FuzzLane;
  beforeAll(async () => {
    lane = await startFuzzLane(await loadTarget(provider), { audit });
  });
  afterAll(() => lane?.close());

  const runs = Math.ceil(RUNS * share);
  it(`${runs} calls: no crash, hang or internal error; invalid ones refused by name with nothing sent, valid ones sent as validated`, async () => {
    await fc.assert(
      fc.asyncProperty(fuzzCase(lane.target), (call) => lane.run(call)),
      // The audit lane takes its own seed, so it does not replay the first lane's calls.
      { numRuns: runs, seed: audit ? SEED + 1 : SEED, endOnFailure: true },
    );
    expect(lane.calls()).toBeGreaterThanOrEqual(runs);
    // Every decision of those calls was recorded, and the trail still verifies.
    if (lane.auditPath) expect(verifyAuditLog(lane.auditPath)).toMatchObject({ ok: true });
  }, 600_000);
});
