import { indexOf } from '../model/context-index';
import { PolicyRule } from '../policy';

// Secrets: their values never reach the output.

/** `no-secret-data`: a Secret carries no values. */
export const noSecretData: PolicyRule = {
  id: 'no-secret-data',
  reason: 'secret values never reach dist/ or git; reference them with an ExternalSecret',
  check: (context) => indexOf(context).ofKind('Secret')
    .filter((o) => ['data', 'stringData'].some((k) => Object.keys((o.object as any)[k] ?? {}).length > 0))
    .map((o) => ({ file: o.path, message: `Secret "${o.object.metadata.name}" carries values in data/stringData` })),
};
