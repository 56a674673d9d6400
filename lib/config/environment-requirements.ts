/** Environment settings that only work with another one, stated once for environment files and the Environment construct. */
export const ENVIRONMENT_REQUIREMENTS = [
  { setting: 'canary', needs: 'prometheus', why: 'the canary analysis queries it' },
  { setting: 'awxToken', needs: 'secretStore', why: 'the token is read from it' },
] as const;

/** A setting of {@link ENVIRONMENT_REQUIREMENTS}. */
export type RequirementSetting = typeof ENVIRONMENT_REQUIREMENTS[number]['setting'] | typeof ENVIRONMENT_REQUIREMENTS[number]['needs'];

/** A setting that is present without the one it needs. */
export interface UnmetRequirement {
  /** The setting given, e.g. `canary`. */
  readonly setting: string;
  /** The setting it needs, e.g. `prometheus`. */
  readonly needs: string;
  /** Why, in a few words. */
  readonly why: string;
}

/** Every setting in `present` whose requirement is not (see {@link ENVIRONMENT_REQUIREMENTS}). */
export function unmetRequirements(present: Readonly<Record<RequirementSetting, boolean>>): UnmetRequirement[] {
  return ENVIRONMENT_REQUIREMENTS.filter((r) => present[r.setting] && !present[r.needs]);
}
