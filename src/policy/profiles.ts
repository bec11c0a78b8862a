/**
 * Built-in profiles. A profile decides which operations an agent may see and run; until policy files land
 * there are two: `read-only` (the default, the audit agent) and `admin`.
 */
import type { OperationSpec, Risk } from '../tools/types.js';

/** Names of the built-in profiles. */
export const PROFILE_NAMES = ['read-only', 'admin'] as const;

/** A built-in profile name. */
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** What a profile allows. */
export interface Profile {
  /** Profile name, as given on the command line. */
  name: ProfileName;
  /** Risk classes the profile may run. */
  risks: ReadonlySet<Risk>;
}

const PROFILES: Record<ProfileName, Profile> = {
  'read-only': { name: 'read-only', risks: new Set<Risk>(['read']) },
  admin: { name: 'admin', risks: new Set<Risk>(['read', 'write', 'destructive']) },
};

/** Whether `name` is a built-in profile. */
export function isProfileName(name: string): name is ProfileName {
  return (PROFILE_NAMES as readonly string[]).includes(name);
}

/** The built-in profile of that name. */
export function getProfile(name: ProfileName): Profile {
  return PROFILES[name];
}

/** Whether the profile lets `op` run (and so be listed). */
export function allows(profile: Profile, op: OperationSpec): boolean {
  return profile.risks.has(op.risk);
}
