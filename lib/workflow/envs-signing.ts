import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EnvironmentConfig } from '../config/environment-config';
import { git, gitOutcome, tryGit } from '../git/git';

// Signed envs commits: the keys the environment files trust (`repo.signers`, SSH public keys), how
// publish asks git to sign (git's own configuration, never a key of ours), and how a commit's
// signature is checked (`git verify-commit` against an allowed-signers file built from those keys).

/** One key trusted to sign envs commits, and the environments whose files name it. */
export interface TrustedSigner {
  /** The name the first environment file naming the key gives it. */
  readonly name: string;
  /** `<type> <base64>`, without the comment. */
  readonly key: string;
  /** The environments that trust it. */
  readonly environments: readonly string[];
}

/** The keys the environment files trust, and which environments name any. */
export interface EnvsTrust {
  /** Every distinct key, in the order the environment files name them. */
  readonly signers: readonly TrustedSigner[];
  /** The environments whose file names signers: a commit changing their folder must be signed by one of theirs. */
  readonly guarded: ReadonlySet<string>;
}

/** The trusted keys of `configs` (`repo.signers`). */
export function envsTrust(configs: readonly EnvironmentConfig[]): EnvsTrust {
  const byKey = new Map<string, { name: string; environments: string[] }>();
  const guarded = new Set<string>();
  for (const env of configs) {
    for (const s of env.repo.signers ?? []) {
      guarded.add(env.name);
      const key = s.key.split(' ').slice(0, 2).join(' ');
      const known = byKey.get(key);
      if (known) known.environments.push(env.name);
      else byKey.set(key, { name: s.name, environments: [env.name] });
    }
  }
  return { signers: [...byKey].map(([key, v]) => ({ key, ...v })), guarded };
}

/** What {@link checkSignatures} found of one commit. */
export interface SignatureCheck {
  /** `trusted`: signed by a key every environment it changes trusts; `unsigned`; `untrusted`: any other signature. */
  readonly status: 'trusted' | 'unsigned' | 'untrusted';
  /**
   * The trusted key's name.
   * @default - none: not trusted
   */
  readonly signer?: string;
  /** What was found, for a report. */
  readonly detail: string;
}

/** A commit to check, and the top-level folders of the envs repo it changes (from its first parent). */
export interface SignedCommit {
  readonly commit: string;
  readonly changed: readonly string[];
}

/** The top-level folders (and files) of the repository at `repo` that `commit` changes from its first parent (all of them for a root commit). */
export function changedTopLevel(repo: string, commit: string, parent: string | undefined): string[] {
  const names = parent
    ? git(repo, ['diff-tree', '-r', '--name-only', '--no-commit-id', '-z', parent, commit]).split('\0')
    : git(repo, ['ls-tree', '--name-only', '-z', commit]).split('\0');
  return [...new Set(names.filter(Boolean).map((n) => n.split('/')[0]))];
}

/**
 * Checks the signature of each commit with `git verify-commit`, trusting only the keys of `trust`
 * (an allowed-signers file of its own; the user's `gpg.ssh.allowedSignersFile` is not read). A commit
 * changing the folder of an environment that names signers must be signed by a key that environment
 * names (by one that every such environment names, when it changes several); one that changes only
 * other paths, by any trusted key. OpenPGP and X.509 signatures are not trusted: the keys are SSH keys.
 * Without trusted keys nothing is checked (an empty map).
 */
export function checkSignatures(repo: string, commits: readonly SignedCommit[], trust: EnvsTrust): Map<string, SignatureCheck> {
  const out = new Map<string, SignatureCheck>();
  if (trust.signers.length === 0 || commits.length === 0) return out;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stoa-signers-'));
  try {
    const allowed = path.join(dir, 'allowed_signers');
    // Principals k0, k1, ...: never a name from a file (it would be read as options of the line).
    fs.writeFileSync(allowed, trust.signers.map((s, i) => `k${i} namespaces="git" ${s.key}\n`).join(''));
    for (const { commit, changed } of commits) out.set(commit, checkOne(repo, commit, changed, allowed, trust));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

function checkOne(repo: string, commit: string, changed: readonly string[], allowed: string, trust: EnvsTrust): SignatureCheck {
  const raw = git(repo, ['cat-file', 'commit', commit]);
  const header = raw.slice(0, raw.indexOf('\n\n') < 0 ? raw.length : raw.indexOf('\n\n'));
  const sig = /^gpgsig(?:-sha256)? (.*)$/m.exec(header)?.[1];
  if (sig === undefined) return { status: 'unsigned', detail: 'not signed' };
  if (!sig.startsWith('-----BEGIN SSH SIGNATURE-----')) {
    return { status: 'untrusted', detail: 'signed with an OpenPGP or X.509 signature; the environment files trust SSH keys only' };
  }
  // The verifier is pinned: a gpg.ssh.program from the repository's or the user's git config could call every
  // signature good, or run a command of its choosing.
  const r = gitOutcome(repo, ['-c', 'gpg.ssh.program=ssh-keygen', '-c', `gpg.ssh.allowedSignersFile=${allowed}`, 'verify-commit', commit]);
  const good = /^Good "git" signature for k(\d+) with (\S+) key (\S+)/m.exec(r.stderr);
  if (r.status !== 0 || !good) {
    const fingerprint = /key (SHA256:\S+)/.exec(r.stderr)?.[1];
    return { status: 'untrusted', detail: `signed by a key no environment file trusts${fingerprint ? ` (${fingerprint})` : ''}${/No such file|not found|cannot run/i.test(r.stderr) ? `: ${r.stderr.trim().split('\n')[0]}` : ''}` };
  }
  const signer = trust.signers[Number(good[1])];
  const required = changed.filter((c) => trust.guarded.has(c));
  const refusing = required.filter((env) => !signer.environments.includes(env));
  if (refusing.length > 0) {
    return { status: 'untrusted', detail: `signed by ${signer.name} (${good[3]}), whom ${refusing.join(', ')} ${refusing.length === 1 ? 'does' : 'do'} not trust (repo.signers of ${refusing.map((e) => `environments/${e}.yaml`).join(', ')})` };
  }
  return { status: 'trusted', signer: signer.name, detail: `signed by ${signer.name} (${good[3]})` };
}

/**
 * The options `git commit` needs to sign as git is configured: `-S` when a signing key is
 * configured (`user.signingkey`; `gpg.format` says ssh or openpgp), else none (git's own
 * `commit.gpgsign` still applies). Never a key of its own.
 */
export function signingArgs(checkout: string): string[] {
  return tryGit(checkout, ['config', '--get', 'user.signingkey'])?.trim() ? ['-S'] : [];
}
