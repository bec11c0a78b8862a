/**
 * Findings of a security review: our words for what is weak and why, the operation that would change it
 * (named, never run), and the tenant's values behind it kept apart. Ranked by risk, then paged to fit the
 * answer budget.
 */
import { fitPage } from './budget.js';
import type { TaskAnswer } from './context.js';
import type { Checklist } from './lookups.js';
import { prune } from './users.js';

/** How much a finding matters. */
export type FindingRisk = 'high' | 'medium' | 'low';

const ORDER: Record<FindingRisk, number> = { high: 0, medium: 1, low: 2 };

/** One finding. */
export interface Finding {
  /** Stable code, e.g. `brute_force_off`. */
  id: string;
  /** How much it matters. */
  risk: FindingRisk;
  /** What is weak and what it allows, in our words. */
  what: string;
  /** The operation that would change it (not run). */
  fix: string;
  /** The tenant's values behind it. */
  evidence?: Record<string, unknown>;
}

/** Most names a finding lists as evidence; the rest are counted. */
const MAX_NAMES = 5;

/** Names (tenant data) for evidence: the first few, and how many more. */
export function someNames(names: readonly unknown[]): Record<string, unknown> {
  const strings = names.filter((n): n is string => typeof n === 'string');
  return prune({
    names: strings.slice(0, MAX_NAMES),
    more: strings.length > MAX_NAMES ? strings.length - MAX_NAMES : undefined,
  });
}

/** Most findings one answer lists. */
const PER_ANSWER = 12;

/** The review's answer: findings ranked, one bounded page of them, what was and was not checked. */
export function reviewAnswer(options: {
  findings: Finding[];
  from: number;
  checks: Checklist;
  settings: Record<string, unknown>;
  limits?: string;
}): TaskAnswer {
  const findings = [...options.findings].sort(
    (a, b) => ORDER[a.risk] - ORDER[b.risk] || a.id.localeCompare(b.id),
  );
  const count = (risk: FindingRisk) => findings.filter((f) => f.risk === risk).length;
  return fitPage(findings, options.from, PER_ANSWER, (page, next) => ({
    answer: prune({
      summary:
        findings.length === 0
          ? 'No weakness found in what was checked.'
          : `${findings.length} finding${findings.length > 1 ? 's' : ''}: ${count('high')} high, ${count('medium')} medium, ${count('low')} low; highest first.`,
      findings: page.map(({ id, risk, what, fix }) => ({ id, risk, what, fix })),
      next_from: next,
      changed: 'nothing: fix names the operation that would (describe_operation, then a dry_run)',
      limits: options.limits,
      ...options.checks.toAnswer(),
    }),
    tenant: prune({
      settings: options.settings,
      evidence: page.some((f) => f.evidence)
        ? Object.fromEntries(page.filter((f) => f.evidence).map((f) => [f.id, f.evidence]))
        : undefined,
    }),
  }));
}
