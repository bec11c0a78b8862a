/**
 * The rule helpers MonoCloud's generated input schemas import from `./rules.js`: the same checks as
 * Auth0's, so a cross-field rule reads and fails alike on both providers.
 */
export { checkRules, describeRule, propertyCount } from '../auth0/rules.js';
