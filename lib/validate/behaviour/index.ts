import { PolicyRule } from '../policy';
import { analysisCanFail } from './analysis-can-fail';
import { networkFlows } from './network-flows';
import { podSecurity } from './pod-security';
import { quotaFits } from './quota-fits';
import { secretIsolation } from './secret-isolation';
import { syncOrder } from './sync-order';
import { uniqueHosts } from './unique-hosts';

/**
 * Rules that model what the cluster's tools will do with the whole output
 * (Argo CD's sync order, quota and Pod Security admission, NetworkPolicies, External
 * Secrets, Argo Rollouts, the ingress controller), so output that is valid
 * object by object but fails at sync time never reaches dist/.
 */
export const BEHAVIOUR_RULES: readonly PolicyRule[] = [syncOrder, quotaFits, podSecurity, networkFlows, secretIsolation, analysisCanFail, uniqueHosts];

export { analysisCanFail, networkFlows, podSecurity, quotaFits, secretIsolation, syncOrder, uniqueHosts };
export { flowMatrix } from './network-flows';
export type { FlowResult, FlowSide } from './network-flows';
export { syncOrderRule } from './sync-order';
