'use strict';
// Runs the library's git calls (child_process.execFileSync('git', ...), lib/git/git.ts) through a
// small helper process (git-server.py) instead of forking the jest worker for each of them.
//
// Why: Linux forks a process by copying its page tables, and a jest worker holds several hundred
// MB (the library, cdk8s, the validators, jest itself): each git call cost about 6 ms more from a
// worker than from a small process, and the tests make thousands of them. The helper is started
// once and starts git with vfork (see git-server.py). Without python3, git runs from the worker.
//
// What a caller sees is what execFileSync itself returns or throws: the same stdout (a Buffer, or
// a string in the given encoding), the same error (`Command failed: ...` with status, signal,
// stdout and stderr; or the spawn error with its code), stderr copied to this process's stderr
// when no stdio is given. git runs with the same arguments, working folder (resolved here), input,
// environment (this process's when none is given) and output limit. Any call outside that (another
// program, stdio other than pipes, a timeout, other options) runs as before, through execFileSync.
// STOA_TEST_GIT_SERVER=0 turns it off.
const cp = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const SUPPORTED_OPTIONS = new Set(['cwd', 'input', 'encoding', 'maxBuffer', 'stdio', 'env', 'windowsHide']);

function install() {
  if (process.env.STOA_TEST_GIT_SERVER === '0' || cp.execFileSync.viaGitServer) return;
  cp.execFileSync = wrap(cp.execFileSync);
}

/** execFileSync that runs git through the server, and everything else through `direct`. */
function wrap(direct) {
  const execFileSync = function execFileSync(file, args, options) {
    if (file !== 'git' || !Array.isArray(args) || !supported(args, options) || !connected()) return direct.apply(this, arguments);
    return run(file, args, options ?? {});
  };
  execFileSync.viaGitServer = true;
  // For test/git-server.test.ts, which compares the two.
  execFileSync.direct = direct;
  return execFileSync;
}

const hasNul = (value) => typeof value === 'string' && value.includes('\0');

/** Whether the call is one the server runs exactly as execFileSync would: anything else goes the usual way. */
function supported(args, options) {
  if (args.some((a) => typeof a !== 'string' || hasNul(a))) return false;
  if (options == null) return true;
  if (typeof options !== 'object') return false;
  if (Object.keys(options).some((k) => options[k] !== undefined && !SUPPORTED_OPTIONS.has(k))) return false;
  if (options.cwd !== undefined && (typeof options.cwd !== 'string' || hasNul(options.cwd))) return false;
  const { stdio } = options;
  if (stdio !== undefined && stdio !== 'pipe' && !(Array.isArray(stdio) && stdio.length === 3 && stdio.every((s) => s === 'pipe'))) return false;
  if (options.input !== undefined && typeof options.input !== 'string' && !ArrayBuffer.isView(options.input)) return false;
  if (options.env != null && (typeof options.env !== 'object' || Object.entries(options.env).some(([k, v]) => hasNul(k) || hasNul(v)))) return false;
  return true;
}

let server;
let unavailable = false;

/** Whether the server runs (started now if need be); if it cannot start, git runs directly, as without it. */
function connected() {
  if (server) return true;
  if (unavailable) return false;
  try {
    connect();
    return true;
  } catch (e) {
    unavailable = true;
    process.stderr.write(`test/jest/git-client.js: no git server (${e.message}); git runs from the test process\n`);
    return false;
  }
}

/** Sleeps `ms` milliseconds, blocking (the callers are synchronous). */
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Starts the server and opens the two FIFOs it reads and writes. Never blocks on a server that
 * did not start: the request FIFO is first opened without blocking (which fails until the server
 * has opened it for reading), for at most 30 s.
 */
function connect() {
  if (server) return server;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stoa-git-server-'));
  try {
    const requests = path.join(dir, 'requests');
    const responses = path.join(dir, 'responses');
    const made = cp.spawnSync('mkfifo', [requests, responses]);
    if (made.status !== 0) throw new Error(`mkfifo failed: ${made.error?.message ?? made.stderr}`);
    // Asked first: a server that cannot start would be waited for below.
    const python = cp.spawnSync('python3', ['-c', 'import sys; sys.exit(sys.version_info < (3, 7))'], { stdio: 'ignore' });
    if (python.status !== 0) throw new Error(`python3 (3.7 or newer) is needed: ${python.error?.message ?? `exit ${python.status}`}`);
    const child = cp.spawn('python3', [path.join(__dirname, 'git-server.py'), requests, responses], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.unref();
    const { O_WRONLY, O_RDONLY, O_NONBLOCK } = fs.constants;
    let probe;
    for (const deadline = Date.now() + 30_000; probe === undefined;) {
      try {
        probe = fs.openSync(requests, O_WRONLY | O_NONBLOCK);
      } catch (e) {
        if (e.code !== 'ENXIO' || Date.now() > deadline) throw e;
        sleep(2);
      }
    }
    // The server has the request FIFO open for reading: this open finds it at once.
    const out = fs.openSync(requests, 'w');
    fs.closeSync(probe);
    // Then it opens the response FIFO for writing: until it has, a read without blocking says end of file.
    const waiting = fs.openSync(responses, O_RDONLY | O_NONBLOCK);
    for (const deadline = Date.now() + 30_000; ;) {
      try {
        fs.readSync(waiting, Buffer.alloc(1));
      } catch (e) {
        if (e.code === 'EAGAIN') break;
        throw e;
      }
      if (Date.now() > deadline) throw new Error('the git server did not open its response FIFO');
      sleep(2);
    }
    const back = fs.openSync(responses, 'r');
    fs.closeSync(waiting);
    server = { out, back };
    return server;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function writeAll(fd, buffer) {
  let offset = 0;
  while (offset < buffer.length) offset += fs.writeSync(fd, buffer, offset, buffer.length - offset);
}

function readExactly(fd, length) {
  const buffer = Buffer.allocUnsafe(length);
  let offset = 0;
  while (offset < length) {
    const read = fs.readSync(fd, buffer, offset, length - offset, null);
    if (read === 0) throw new Error('the git server of the test worker ended (test/jest/git-server.py)');
    offset += read;
  }
  return buffer;
}

function run(file, args, options) {
  let reply;
  try {
    reply = exchange(file, args, options);
  } catch (e) {
    // The server is gone (or the exchange broke half-way): the next call starts another.
    for (const fd of [server.out, server.back]) try { fs.closeSync(fd); } catch { /* already closed */ }
    server = undefined;
    throw e;
  }
  return finish(file, args, options, reply);
}

/** Sends one call to the server and reads what it answers: the result, with stdout and stderr as Buffers. */
function exchange(file, args, options) {
  const { out, back } = server;
  const encoding = options.encoding;
  const input = typeof options.input === 'string'
    ? Buffer.from(options.input, encoding)
    : options.input ? Buffer.from(options.input.buffer, options.input.byteOffset, options.input.byteLength) : Buffer.alloc(0);
  const env = {};
  for (const [k, v] of Object.entries(options.env || process.env)) if (v !== undefined) env[k] = String(v);
  const request = Buffer.from(JSON.stringify({
    file,
    args,
    options: {
      cwd: path.resolve(options.cwd ?? '.'),
      env,
      maxBuffer: options.maxBuffer,
    },
  }), 'utf8');
  const head = Buffer.alloc(8);
  head.writeUInt32LE(request.length, 0);
  head.writeUInt32LE(input.length, 4);
  writeAll(out, Buffer.concat([head, request, input]));

  const reply = JSON.parse(readExactly(back, readExactly(back, 4).readUInt32LE(0)).toString('utf8'));
  reply.stdout = reply.stdout === null ? null : readExactly(back, reply.stdout);
  reply.stderr = reply.stderr === null ? null : readExactly(back, reply.stderr);
  return reply;
}

/** What execFileSync returns, or throws, for that result. */
function finish(file, args, options, reply) {
  const encoding = options.encoding;
  let { stdout, stderr } = reply;
  if (encoding && encoding !== 'buffer') {
    if (stdout) stdout = stdout.toString(encoding);
    if (stderr) stderr = stderr.toString(encoding);
  }
  // What spawnSync returns, then what execFileSync does with it.
  const ret = {};
  if (reply.error) {
    const error = new Error(reply.error.message);
    Object.assign(error, { errno: reply.error.errno, code: reply.error.code, syscall: reply.error.syscall, path: file, spawnargs: args.slice() });
    ret.error = error;
  }
  Object.assign(ret, {
    status: reply.status, signal: reply.signal, output: reply.output ? [null, stdout, stderr] : null, pid: reply.pid,
    stdout: reply.output ? stdout : undefined, stderr: reply.output ? stderr : undefined,
  });
  if (!options.stdio && ret.stderr) process.stderr.write(ret.stderr);
  let err;
  if (ret.error) {
    err = ret.error;
    Object.assign(err, ret);
  } else if (ret.status !== 0) {
    let msg = `Command failed: ${[file, ...args].join(' ')}`;
    if (ret.stderr && ret.stderr.length > 0) msg += `\n${ret.stderr.toString()}`;
    err = Object.assign(new Error(msg), ret);
  }
  if (err) throw err;
  return ret.stdout;
}

module.exports = { install, wrap };
