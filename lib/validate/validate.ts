import { expandApplicationSets } from '../argocd/application-set-preview';
import { KubeObject } from '../render/render';
import { compareStrings } from '../sort';
import { FlowResult, flowMatrix } from './behaviour/network-flows';
import { EnvironmentFacts, environmentOf, factsOf, ObjectInFile, Violation } from './policy';
import { POLICY_RULES } from './rules';
import { readOutputFolder } from './output-files';
import { SchemaCatalog } from './schema-catalog';

/** Options of {@link validateObjects} and {@link validateFolder}. */
export interface ValidateOptions {
  /**
   * Environments (top folders) whose Applications must never sync automatically.
   * @default ['prod']
   */
  readonly readOnlyEnvironments?: readonly string[];
  /**
   * Prefix put before each path in the report, e.g. `dist/`.
   * @default ''
   */
  readonly displayPrefix?: string;
  /**
   * Schemas to check against.
   * @default - one catalog over the packaged CRD schemas, shared by every call in the process
   */
  readonly schemas?: SchemaCatalog;
  /**
   * What each environment's cluster provides (ingress, monitoring, DNS, existing namespaces), by environment name.
   * @default - the default {@link EnvironmentFacts} for every environment
   */
  readonly environments?: Readonly<Record<string, Partial<EnvironmentFacts>>>;
}

/** The outcome of a validation. */
export interface ValidationReport {
  /** True when there is no violation. */
  readonly ok: boolean;
  /** Objects checked. */
  readonly objects: number;
  /** Every violation, by file then rule. */
  readonly violations: readonly Violation[];
  /**
   * Every network flow the platform needs and whether the NetworkPolicies allow it, by environment.
   * @default - none (reports built by hand)
   */
  readonly flows?: Readonly<Record<string, readonly FlowResult[]>>;
}

// Compiling a CRD schema takes up to a second; compiled validators are kept for the process.
let defaultCatalog: SchemaCatalog | undefined;

/** Ids and reasons of every check, for reports. */
export const VALIDATION_RULES: ReadonlyArray<{ readonly id: string; readonly reason: string }> = [
  { id: 'output-file', reason: 'every file Argo CD would read is a plain YAML or JSON manifest validate can check: no Jsonnet, Kustomize or Helm markers, symlinks or special files, within Argo CD\'s size limit' },
  { id: 'environment-folders', reason: 'the output holds manifests, a folder with manifests for every environment the environment files define (a missing one would leave its Argo CD with nothing, or an old root, to sync), and no folder for an environment they do not define' },
  { id: 'yaml-syntax', reason: 'every manifest file in the output is YAML (or JSON) that parses' },
  { id: 'kubernetes-object', reason: 'every document is a Kubernetes object with apiVersion, kind and metadata.name' },
  { id: 'unknown-kind', reason: 'every object is of a kind whose schema we have (Kubernetes 1.28+ core or a pinned CRD)' },
  { id: 'schema', reason: 'every object is valid against the OpenAPI schema of its kind' },
  ...POLICY_RULES.map(({ id, reason }) => ({ id, reason })),
];

/** Thrown by synth when the rendered output breaks a rule; nothing is written. */
export class ValidationFailedError extends Error {
  constructor(public readonly report: ValidationReport) {
    super(formatReport(report, 'text'));
    this.name = 'ValidationFailedError';
  }
}

/** Checks objects against their schemas and every platform rule. */
export function validateObjects(objects: readonly ObjectInFile[], options: ValidateOptions = {}): ValidationReport {
  return buildReport(objects, [], options);
}

/**
 * {@link validateObjects} for objects whose schemas were checked already ({@link checkSchemas}, e.g.
 * by the worker that rendered them or in an earlier run): runs the policy rules and reports both.
 */
export function validateCheckedObjects(objects: readonly ObjectInFile[], schemaViolations: readonly Violation[], options: ValidateOptions = {}): ValidationReport {
  return buildReport(objects, [], options, schemaViolations);
}

/**
 * The checks of each object on its own: that it is a Kubernetes object of a kind we have a schema
 * for, valid against that schema. Files are the objects' paths (no display prefix).
 */
export function checkSchemas(objects: readonly ObjectInFile[], schemas: SchemaCatalog = defaultSchemas()): Violation[] {
  const violations: Violation[] = [];
  for (const { path: file, object } of objects) {
    if (!isKubeObject(object)) continue; // reported by the report itself
    const result = schemas.check(object);
    if (!result.known) {
      violations.push({ rule: 'unknown-kind', file, message: `no schema for ${String(object?.apiVersion)} ${String(object?.kind)}` });
      continue;
    }
    for (const error of result.errors) violations.push({ rule: 'schema', file, message: error });
  }
  return violations;
}

/**
 * Reads every manifest file under `dir` as Argo CD would (YAML, JSON, Lists expanded; files it
 * cannot check reported) and validates it like {@link validateObjects}.
 */
export function validateFolder(dir: string, options: ValidateOptions = {}): ValidationReport {
  const { objects, violations } = readOutputFolder(dir, options.displayPrefix ?? '');
  return buildReport(objects, violations, options);
}

function defaultSchemas(): SchemaCatalog {
  return (defaultCatalog ??= new SchemaCatalog());
}

function buildReport(objects: readonly ObjectInFile[], found: Violation[], options: ValidateOptions, checked?: readonly Violation[]): ValidationReport {
  const prefix = options.displayPrefix ?? '';
  const violations = [...found, ...environmentFolderViolations(objects, options)];
  const sorted: ObjectInFile[] = [];
  for (const o of [...objects].sort((a, b) => compareStrings(a.path, b.path))) {
    if (isKubeObject(o.object)) sorted.push(o);
    else violations.push({ rule: 'kubernetes-object', file: prefix + o.path, message: 'not a Kubernetes object: apiVersion, kind and metadata.name are required' });
  }
  for (const v of checked ?? checkSchemas(sorted, options.schemas ?? defaultSchemas())) violations.push({ ...v, file: prefix + v.file });

  const applications = [...sorted.filter((o) => o.object.kind === 'Application'), ...expandApplicationSets(sorted)];
  const environments = new Map(Object.entries(options.environments ?? {}).map(([name, facts]) => [name, factsOf(facts)]));
  const context = { objects: sorted, applications, readOnlyEnvironments: new Set(options.readOnlyEnvironments ?? ['prod']), environments };
  for (const rule of POLICY_RULES) {
    for (const v of rule.check(context)) violations.push({ rule: rule.id, file: prefix + v.file, message: v.message });
  }
  return { ok: violations.length === 0, objects: objects.length, violations: sortViolations(violations), flows: flowMatrix(context) };
}

/**
 * One report of reports on disjoint parts of an output (environment by environment, as the
 * streaming synth validates): the same report as validating the parts together, since every
 * rule relates objects of one environment only.
 */
export function mergeReports(reports: readonly ValidationReport[]): ValidationReport {
  const violations = sortViolations(reports.flatMap((r) => r.violations));
  const flows = Object.assign({}, ...reports.map((r) => r.flows ?? {}));
  return { ok: violations.length === 0, objects: reports.reduce((n, r) => n + r.objects, 0), violations, flows };
}

/** By file, then by the rule's place in {@link VALIDATION_RULES}. */
function sortViolations(violations: Violation[]): Violation[] {
  const order = new Map(VALIDATION_RULES.map((r, i) => [r.id, i]));
  return violations.sort((a, b) => compareStrings(a.file, b.file) || order.get(a.rule)! - order.get(b.rule)!);
}

/**
 * An output without any manifest, or without the folder of an environment the options know
 * (`options.environments`, from the environment files): validating what is there would pass.
 */
function environmentFolderViolations(objects: readonly ObjectInFile[], options: ValidateOptions): Violation[] {
  const prefix = options.displayPrefix ?? '';
  if (objects.length === 0) {
    return [{ rule: 'environment-folders', file: prefix || '.', message: 'the output holds no manifests: nothing to validate is never valid (run synth)' }];
  }
  const present = new Set(objects.map((o) => environmentOf(o.path)));
  const known = Object.keys(options.environments ?? {});
  const missing = known.filter((env) => !present.has(env)).sort(compareStrings).map((env) => ({
    rule: 'environment-folders',
    file: `${prefix}${env}/`,
    message: `environment ${env} has an environment file but no manifests in the output: its folder ${env}/ is missing or empty (run synth)`,
  }));
  // A folder no environment file defines is left over (synth removes it) or foreign: an Argo CD may still sync it.
  const stray = known.length === 0 ? [] : [...present].filter((env) => !known.includes(env)).sort(compareStrings).map((env) => ({
    rule: 'environment-folders',
    file: `${prefix}${env}/`,
    message: `${env}/ holds manifests but no environment file defines ${env} (environments: ${[...known].sort(compareStrings).join(', ')}): remove it, or run synth`,
  }));
  return [...missing, ...stray];
}

/** A report for people (`text`) or tools (`json`). */
export function formatReport(report: ValidationReport, format: 'text' | 'json'): string {
  const reasons = new Map(VALIDATION_RULES.map((r) => [r.id, r.reason]));
  if (format === 'json') {
    return JSON.stringify({
      ok: report.ok,
      objects: report.objects,
      violations: report.violations.map((v) => ({ ...v, reason: reasons.get(v.rule) })),
      ...(report.flows !== undefined ? { flows: report.flows } : {}),
    }, null, 2);
  }
  if (report.ok) return `${report.objects} objects valid: schemas and ${POLICY_RULES.length} policy rules pass`;
  const lines = report.violations.map((v) => `${v.file}: [${v.rule}] ${v.message}`);
  const fired = [...new Set(report.violations.map((v) => v.rule))];
  const files = new Set(report.violations.map((v) => v.file)).size;
  return [
    `${report.violations.length} violation${report.violations.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'} (${report.objects} objects checked):`,
    ...lines.map((l) => `  ${l}`),
    'rules:',
    ...fired.map((id) => `  ${id}: ${reasons.get(id)}`),
  ].join('\n');
}

function isKubeObject(o: unknown): o is KubeObject {
  const obj = o as KubeObject | null;
  return typeof obj === 'object' && obj !== null && !Array.isArray(obj) && typeof obj.apiVersion === 'string'
    && typeof obj.kind === 'string' && typeof obj.metadata === 'object' && obj.metadata !== null && typeof obj.metadata.name === 'string';
}
