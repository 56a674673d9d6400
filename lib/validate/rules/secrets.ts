import {
  ARGOCD_CREDENTIAL_FIELDS, ARGOCD_CREDENTIAL_SECRET_TYPES, ARGOCD_SECRET_TYPE_LABEL, normalizeRepoUrl, urlHasCredentials, writesLiteral,
} from '../../config/repo-credentials';
import { parse as parseYaml } from 'yaml';
import { compareStrings } from '../../sort';
import { indexOf } from '../model/context-index';
import { describeObject } from '../model/findings';
import { ObjectInFile, PolicyRule } from '../policy';

// Secrets: their values never reach the output.

/** The Argo CD credential type of a Secret (its `argocd.argoproj.io/secret-type` label), if it is one. */
function argocdSecretTypeOf(labels: unknown): string | undefined {
  const type = labels && typeof labels === 'object' ? (labels as Record<string, unknown>)[ARGOCD_SECRET_TYPE_LABEL] : undefined;
  return typeof type === 'string' && ARGOCD_CREDENTIAL_SECRET_TYPES.includes(type) ? type : undefined;
}

const valuesOf = (o: ObjectInFile) => ['data', 'stringData'].flatMap((k) => Object.keys((o.object as any)[k] ?? {}));

/** `no-secret-data`: a Secret carries no values (Argo CD's credential Secrets: `argocd-credentials-by-reference`, with its own message). */
export const noSecretData: PolicyRule = {
  id: 'no-secret-data',
  reason: 'secret values never reach dist/ or git; reference them with an ExternalSecret',
  check: (context) => indexOf(context).ofKind('Secret')
    .filter((o) => valuesOf(o).length > 0 && !argocdSecretTypeOf(o.object.metadata.labels))
    .map((o) => ({ file: o.path, message: `Secret "${o.object.metadata.name}" carries values in data/stringData` })),
};

/** The template of an ExternalSecret's target, and the Argo CD credential type the Secret it makes has. */
function argocdTemplateOf(o: ObjectInFile): { type: string; template: any } | undefined {
  const template = (o.object.spec as any)?.target?.template;
  const type = template && typeof template === 'object' ? argocdSecretTypeOf(template.metadata?.labels) : undefined;
  return type ? { type, template } : undefined;
}

/**
 * The credential fields (and `url`) a `templateFrom[].literal` writes, read as the YAML it renders to
 * (its `{{ ... }}` actions kept as they are, whatever YAML would make of the braces): block scalars,
 * flow maps and quoting all count. Undefined when it is not a YAML map: validation cannot say what it writes.
 */
function literalTemplateFields(literal: unknown): Array<{ key: string; value: unknown }> | undefined {
  if (typeof literal !== 'string') return [];
  const actions: string[] = [];
  const masked = literal.replace(/\{\{[\s\S]*?\}\}/g, (a) => `__stoa_template_action_${actions.push(a) - 1}__`);
  let doc: unknown;
  try {
    doc = parseYaml(masked);
  } catch {
    return undefined;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const unmask = (v: unknown) => (typeof v === 'string' ? v.replace(/__stoa_template_action_(\d+)__/g, (_, i: string) => actions[Number(i)]) : v);
  return Object.entries(doc as Record<string, unknown>)
    .filter(([k]) => ARGOCD_CREDENTIAL_FIELDS.includes(k) || k === 'url')
    .map(([key, value]) => ({ key, value: unmask(value) }));
}

/**
 * `argocd-credentials-by-reference`: Argo CD's repository, credential template and cluster Secrets
 * (label `argocd.argoproj.io/secret-type`) come from the secret store through an ExternalSecret; a
 * Secret of that label carries no values, and an ExternalSecret making one writes its credentials
 * (password, sshPrivateKey, githubAppPrivateKey, ...) only as template references to what the store returns.
 */
export const argocdCredentialsByReference: PolicyRule = {
  id: 'argocd-credentials-by-reference',
  reason: 'Argo CD\'s repository and cluster credentials come from the secret store through an ExternalSecret: never a Secret with values, nor a literal credential in an ExternalSecret\'s template',
  check: (context) => {
    const index = indexOf(context);
    const out: Array<{ file: string; message: string }> = [];
    for (const o of index.ofKind('Secret')) {
      const type = argocdSecretTypeOf(o.object.metadata.labels);
      const keys = valuesOf(o);
      if (!type || keys.length === 0) continue;
      out.push({
        file: o.path,
        message: `Argo CD ${type} Secret "${o.object.metadata.name}" carries values in data/stringData (${[...new Set(keys)].sort(compareStrings).join(', ')}): anyone who reads git reads them; `
          + `make it with an ExternalSecret instead (spec.target.template.metadata.labels ${ARGOCD_SECRET_TYPE_LABEL}: ${type}, credentials as {{ .<key> }} read from the store; for the envs repo: repo.credentials in the environment file)`,
      });
    }
    for (const o of index.ofKind('ExternalSecret')) {
      const argo = argocdTemplateOf(o);
      if (!argo) continue;
      const target = (o.object.spec as any)?.target?.name ?? o.object.metadata.name;
      const literal = (where: string, key: string) => ({
        file: o.path,
        message: `${describeObject(o)} makes Argo CD ${argo.type} Secret "${target}" with a literal ${key} in ${where}: the credential would be in git; `
          + `write a reference to the store's value instead (${key}: "{{ .${key} }}", with spec.data reading ${key} from the store)`,
      });
      const data = argo.template.data && typeof argo.template.data === 'object' ? argo.template.data as Record<string, unknown> : {};
      for (const key of Object.keys(data).sort(compareStrings)) {
        if (ARGOCD_CREDENTIAL_FIELDS.includes(key) && writesLiteral(data[key])) out.push(literal('spec.target.template.data', key));
        if (key === 'url' && urlHasCredentials(data[key])) out.push(literal('spec.target.template.data (the user part of url)', 'password'));
      }
      const from = Array.isArray(argo.template.templateFrom) ? argo.template.templateFrom : [];
      from.forEach((t: any, i: number) => {
        const where = `spec.target.template.templateFrom[${i}]`;
        if (t?.configMap !== undefined || t?.secret !== undefined) {
          out.push({ file: o.path, message: `${describeObject(o)} makes Argo CD ${argo.type} Secret "${target}" from a template in a ${t.configMap !== undefined ? 'ConfigMap' : 'Secret'} (${where}): validation cannot see what it writes; write the template in spec.target.template.data` });
          return;
        }
        const fields = literalTemplateFields(t?.literal);
        if (fields === undefined) {
          out.push({ file: o.path, message: `${describeObject(o)} makes Argo CD ${argo.type} Secret "${target}" from ${where}.literal, which is not a YAML map of fields: validation cannot say what it writes; write the template in spec.target.template.data` });
          return;
        }
        for (const f of fields) {
          if (f.key === 'url' ? urlHasCredentials(f.value) : writesLiteral(f.value)) out.push(literal(`${where}.literal`, f.key === 'url' ? 'password (the user part of url)' : f.key));
        }
      });
    }
    return out;
  },
};

/** Where an ExternalSecret's credentials come from: its stores, keys and the template around them (everything but the URL). */
function sourceOf(o: ObjectInFile): string {
  const spec = (o.object.spec as any) ?? {};
  const { url: _url, ...template } = spec.target?.template?.data ?? {};
  return JSON.stringify({ store: spec.secretStoreRef, data: spec.data, dataFrom: spec.dataFrom, template });
}

/**
 * `repo-credentials-unique`: no two ExternalSecrets or Secrets make Argo CD credentials of one type for one
 * repository URL (as Argo CD normalizes it) in one namespace from different sources. One Argo CD may serve
 * every environment: of two Secrets for a URL it uses one of them (the last it finds), so both must hold the same.
 */
export const repoCredentialsUnique: PolicyRule = {
  id: 'repo-credentials-unique',
  reason: 'one Argo CD may serve every environment, and of two repository Secrets for one URL it uses either: environments that share an Argo CD namespace and repository URL read the same credentials',
  check: (context) => {
    const first = new Map<string, { o: ObjectInFile; source: string }>();
    const out: Array<{ file: string; message: string }> = [];
    for (const o of indexOf(context).ofKinds('ExternalSecret', 'Secret')) {
      let type: string | undefined;
      let url: unknown;
      let source: string;
      if (o.object.kind === 'ExternalSecret') {
        const argo = argocdTemplateOf(o);
        type = argo?.type;
        url = argo?.template.data?.url;
        source = sourceOf(o);
      } else {
        type = argocdSecretTypeOf(o.object.metadata.labels);
        const s = o.object as any;
        url = s.stringData?.url ?? (typeof s.data?.url === 'string' ? Buffer.from(s.data.url, 'base64').toString('utf8') : undefined);
        source = `Secret ${o.path}`;
      }
      if (!type || type === 'cluster' || typeof url !== 'string' || url.includes('{{')) continue;
      const key = `${o.object.metadata.namespace ?? ''}|${type}|${normalizeRepoUrl(url)}`;
      const seen = first.get(key);
      if (!seen) first.set(key, { o, source });
      else if (seen.source !== source) {
        out.push({
          file: o.path,
          message: `${describeObject(o)} makes an Argo CD ${type} Secret for ${url} in namespace ${o.object.metadata.namespace ?? '(none)'}, as ${describeObject(seen.o)} (${seen.o.path}) does, from other credentials: `
            + 'Argo CD uses whichever of the two it lists first; give both environments the same repo.credentials (secretStore, key, type, properties), or let one Argo CD namespace serve only one of them',
        });
      }
    }
    return out;
  },
};
