'use strict';
// The process that runs git for a jest worker (see git-client.js): it reads one request at a time
// from the request FIFO, runs it with spawnSync, and writes the result to the response FIFO.
// It is a small process, so forking git from it costs a fraction of forking from the worker.
// It exits when the worker closes the request FIFO (the worker ended or died).
const fs = require('fs');
const { spawnSync } = require('child_process');

const [requests, responses] = process.argv.slice(2);
const input = fs.openSync(requests, 'r');
const output = fs.openSync(responses, 'w');

function readExactly(length) {
  const buffer = Buffer.allocUnsafe(length);
  let offset = 0;
  while (offset < length) {
    const read = fs.readSync(input, buffer, offset, length - offset, null);
    if (read === 0) process.exit(0);
    offset += read;
  }
  return buffer;
}

function writeAll(buffer) {
  let offset = 0;
  while (offset < buffer.length) offset += fs.writeSync(output, buffer, offset, buffer.length - offset);
}

for (;;) {
  const head = readExactly(8);
  const request = JSON.parse(readExactly(head.readUInt32LE(0)).toString('utf8'));
  const stdin = head.readUInt32LE(4) > 0 ? readExactly(head.readUInt32LE(4)) : undefined;
  const options = { ...request.options, encoding: 'buffer' };
  if (stdin !== undefined) options.input = stdin;
  const result = spawnSync(request.file, request.args, options);
  const stdout = result.stdout ?? Buffer.alloc(0);
  const stderr = result.stderr ?? Buffer.alloc(0);
  const error = result.error && {
    message: result.error.message, errno: result.error.errno, code: result.error.code, syscall: result.error.syscall,
  };
  const reply = Buffer.from(JSON.stringify({
    pid: result.pid, status: result.status, signal: result.signal, error, output: result.output !== null,
    stdout: result.stdout == null ? null : stdout.length, stderr: result.stderr == null ? null : stderr.length,
  }), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(reply.length, 0);
  writeAll(Buffer.concat([length, reply, stdout, stderr]));
}
