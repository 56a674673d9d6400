import { reasonText } from '../config/environment-config';
import { tryGit } from '../git/git';
import { auditRecords, envsRecords, Expected } from './audit';
import { changedTopLevel, checkSignatures, EnvsTrust } from './envs-signing';
import { PUBLISH_SUBJECT } from './publish-guard';
import { WorkflowError } from './workflow-error';

// The audit publish runs before it builds on the envs repo: only the head of the branch it publishes
// to (a direct push there is what Argo CD would deploy), and the check of its own signed commit.

/** A head publish was told to build on although it failed the audit: recorded in the envs commit. */
export interface AuditOverride {
  /** The envs head that failed. */
  readonly head: string;
  /** The caller's reason (`--override-audit`). */
  readonly reason: string;
  /** The findings, one line each. */
  readonly findings: readonly string[];
}

/** An `--override-audit` reason: one line, said in a few words. */
export function checkOverrideReason(reason: string | undefined): void {
  if (reason === undefined) return;
  const parsed = reasonText.safeParse(reason);
  if (!parsed.success) throw new WorkflowError(`--override-audit ${JSON.stringify(reason)}: ${parsed.error.issues[0].message}`);
}

/**
 * Audits `head`, the commit of the envs branch checked out in `checkout` (undefined while the branch
 * has none), before publish commits on it: its environment folders must be what the last published
 * source commit (`last`) published (its committed output, from `expected`), and, when the
 * environment files name signers, a trusted key must have signed it. A head that is not a publish but leaves the folders as published (a revert of
 * a direct push) passes. Nothing published yet, or a last published source commit the source
 * repository lacks (see `checkForward`): only the signature is checked.
 * @returns the override to record when `override` gives a reason to publish over a failing head
 */
export function checkEnvsHead(
  checkout: string, branch: string, head: string | undefined, last: { sourceCommit: string; envsCommit: string } | undefined, trust: EnvsTrust,
  expected: (sourceCommit: string) => Expected, override: string | undefined,
): AuditOverride | undefined {
  const findings: string[] = [];
  let subject = '';
  if (head && (last || trust.signers.length > 0)) {
    const [record] = envsRecords(checkout, head, 1);
    subject = record.subject;
    if (last) {
      // A last published source commit this repository lacks: checkForward has dealt with it (refused, or a --rollback
      // to an unrelated history); the folders cannot be compared, the signature still is.
      const found = auditRecords(checkout, [{ ...record, sources: [last.sourceCommit] }], trust, { expected }).findings
        .filter((f) => f.kind !== 'source-missing');
      // A revert of the last publish (an incident's quickest way back) leaves the folders as the publish before it left them: not a finding.
      const revertsLast = found.every((f) => f.kind === 'differs') && found.length > 0 && restoresPublishBefore(checkout, head, last, expected);
      findings.push(...(revertsLast ? found.filter((f) => f.kind !== 'differs') : found).map((f) => f.message));
    } else {
      const sig = checkSignatures(checkout, [{ commit: head, changed: changedTopLevel(checkout, head, record.parent) }], trust).get(head);
      if (sig && sig.status !== 'trusted') findings.push(`envs commit ${head.slice(0, 12)} is ${sig.status === 'unsigned' ? 'not signed, and the environment files name signers (repo.signers)' : sig.detail}`);
    }
  }
  if (findings.length === 0) {
    if (override !== undefined) throw new WorkflowError(`--override-audit was given, but the head of the envs repo's ${branch}${head ? ` (${head.slice(0, 12)})` : ''} passes the audit: nothing to override; leave --override-audit out`);
    return undefined;
  }
  if (override !== undefined) return { head: head!, reason: override, findings };
  const undo = last && last.envsCommit !== head
    ? `undo it in the envs repo (git revert the commits after ${last.envsCommit.slice(0, 12)}, the last publish, or reset ${branch} to it, and push)`
    : `undo it in the envs repo (git revert ${head!.slice(0, 12)}, or reset ${branch} to the last commit stoa-manifests audit passes, and push)`;
  throw new WorkflowError(`publish refused: the head of the envs repo's ${branch}, ${head!.slice(0, 12)} ("${subject.slice(0, 80)}"), fails the audit: ${findings.join('; ')}. Argo CD deploys what that branch holds, so publish will not build on it unseen. Find out who changed it, then ${undo}, or publish over it on purpose: --override-audit "<reason>" (recorded in the envs commit as Audit-Override:)`);
}

/**
 * Whether `head`'s environment folders are exactly those of the publish before the last one (`last`):
 * the last publish was reverted, or the branch reset to the publish before it.
 */
function restoresPublishBefore(checkout: string, head: string, last: { sourceCommit: string; envsCommit: string }, expected: (sourceCommit: string) => Expected): boolean {
  const want = expected(last.sourceCommit);
  if ('error' in want || want.environments.length === 0) return false;
  const before = tryGit(checkout, ['log', '-E', `--grep=${PUBLISH_SUBJECT}`, '--max-count=1', '--format=%H', `${last.envsCommit}^`, '--'])?.trim();
  if (!before) return false;
  return tryGit(checkout, ['diff', '--quiet', before, head, '--', ...want.environments]) !== undefined;
}

/**
 * Refuses the commit publish just made when the environment files name signers and it is not signed
 * by a key they trust (git not configured to sign, or with another key): nothing is pushed, and
 * publish puts the checkout back.
 */
export function checkOwnSignature(checkout: string, commit: string, trust: EnvsTrust): string | undefined {
  if (trust.signers.length === 0) return undefined;
  const parent = tryGit(checkout, ['rev-parse', '--verify', '--quiet', `${commit}^`])?.trim();
  const sig = checkSignatures(checkout, [{ commit, changed: changedTopLevel(checkout, commit, parent) }], trust).get(commit)!;
  if (sig.status === 'trusted') return sig.signer;
  throw new WorkflowError(`publish refused: the environment files name signers (repo.signers), and the envs commit it made is ${sig.status === 'unsigned'
    ? 'not signed: git has no signing key configured. Set one for the envs checkout (git config gpg.format ssh; git config user.signingkey <key>), see docs/audit.md'
    : `${sig.detail}: configure git to sign with a key the environment files trust (user.signingkey), see docs/audit.md`}; nothing was published`);
}
