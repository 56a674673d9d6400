import { PolicyRule } from '../policy';
import { apiServerAccepts } from './field-values';
import { apiVersionServed } from './served-versions';

/** Rules for what the Kubernetes API server itself refuses, beyond the OpenAPI schemas: values, and API versions per Kubernetes version. */
export const API_SERVER_RULES: readonly PolicyRule[] = [apiVersionServed, apiServerAccepts];

export { apiServerAccepts, apiVersionServed };
export { isCidr } from './field-values';
export { minorOf, notServed } from './served-versions';
