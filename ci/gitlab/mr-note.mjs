// Posts the stoa-manifests diff report as one note of the merge request, or updates the
// note an earlier pipeline posted (found by its hidden marker and its author).
//
//   node ci/gitlab/mr-note.mjs report.md
//
// Runs in a merge request pipeline of GitLab CI (Node 22+, no dependencies). Reads
// CI_API_V4_URL, CI_PROJECT_ID and CI_MERGE_REQUEST_IID, which GitLab sets, and
// STOA_MR_NOTE_TOKEN: a project access token of this project (role Reporter, scope api).
// CI_JOB_URL, when set, is named in the note when the report had to be cut.
import { readFileSync } from 'node:fs';

const MARKER = '<!-- stoa-manifests-diff -->';
// A note holds at most 1,000,000 characters.
const LIMIT = 900000;

/** The report cut at a line end outside any file's <details> block when it is too long. */
function fit(report, limit, where) {
  if (report.length <= limit) return report;
  const end = report.lastIndexOf('\n', limit);
  let kept = report.slice(0, end > 0 ? end : limit);
  const open = kept.lastIndexOf('\n<details>');
  if (open > kept.lastIndexOf('\n</details>')) kept = kept.slice(0, open);
  return `${kept}\n\n(cut: the report is longer than a note holds; the whole of it is in the artifacts of ${where})\n`;
}

async function main() {
  const file = process.argv[2];
  const env = process.env;
  const missing = ['CI_API_V4_URL', 'CI_PROJECT_ID', 'CI_MERGE_REQUEST_IID', 'STOA_MR_NOTE_TOKEN'].filter((k) => !env[k]);
  if (!file || missing.length > 0) {
    throw new Error(`usage: node mr-note.mjs <report.md>, in a merge request pipeline${missing.length ? ` (not set: ${missing.join(', ')})` : ''}`);
  }
  const body = `${MARKER}\n${fit(readFileSync(file, 'utf8'), LIMIT, env.CI_JOB_URL || 'this job')}`;
  const api = env.CI_API_V4_URL.replace(/\/+$/, '');
  const notes = `${api}/projects/${encodeURIComponent(env.CI_PROJECT_ID)}/merge_requests/${encodeURIComponent(env.CI_MERGE_REQUEST_IID)}/notes`;

  const call = async (method, url, payload) => {
    const res = await fetch(url, {
      method,
      headers: { 'PRIVATE-TOKEN': env.STOA_MR_NOTE_TOKEN, 'Content-Type': 'application/json' },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    // The token is never part of a message: only the method, the path and the status.
    if (!res.ok) throw new Error(`${method} ${new URL(url).pathname}: HTTP ${res.status}`);
    return { data: await res.json(), next: res.headers.get('x-next-page') };
  };

  const me = (await call('GET', `${api}/user`)).data.id;
  let ours;
  for (let page = '1'; page && !ours;) {
    const { data, next } = await call('GET', `${notes}?per_page=100&sort=asc&page=${page}`);
    ours = data.find((n) => n.author?.id === me && typeof n.body === 'string' && n.body.startsWith(MARKER));
    page = next;
  }
  if (ours) {
    await call('PUT', `${notes}/${ours.id}`, { body });
    console.log(`updated note ${ours.id}`);
  } else {
    const { data } = await call('POST', notes, { body });
    console.log(`created note ${data.id}`);
  }
}

main().catch((e) => {
  console.error(`mr-note: ${e.message}`);
  process.exitCode = 1;
});
