// node --test test/server_path.test.js: how the extension finds the `shot` executable.
'use strict';

const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const test = require('node:test');
const { resolveServer } = require('../server_path');

function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'shotspec-server-path-'));
}

function executable(file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\n');
  fs.chmodSync(file, 0o755);
  return file;
}

test('the workspace .venv comes before PATH', () => {
  const work = tempDir();
  const bin = tempDir();
  const venvShot = executable(path.join(work, '.venv', 'bin', 'shot'));
  executable(path.join(bin, 'shot'));
  assert.deepEqual(resolveServer('', [work], { PATH: bin }), { command: venvShot });
});

test('shot on PATH when the workspace has no .venv', () => {
  const bin = tempDir();
  const shot = executable(path.join(bin, 'shot'));
  assert.deepEqual(resolveServer('', [tempDir()], { PATH: `/nonexistent${path.delimiter}${bin}` }),
    { command: shot });
});

test('the setting wins, with ${workspaceFolder} and relative paths expanded', () => {
  const work = tempDir();
  const custom = executable(path.join(work, 'tools', 'my-shot'));
  executable(path.join(work, '.venv', 'bin', 'shot'));
  assert.deepEqual(resolveServer('${workspaceFolder}/tools/my-shot', [work], { PATH: '' }),
    { command: custom });
  assert.deepEqual(resolveServer('tools/my-shot', [work], { PATH: '' }), { command: custom });
});

test('a bare name in the setting is looked up on PATH', () => {
  const bin = tempDir();
  const shot = executable(path.join(bin, 'shot-dev'));
  assert.deepEqual(resolveServer('shot-dev', [], { PATH: bin }), { command: shot });
  assert.match(resolveServer('shot-nope', [], { PATH: bin }).error, /shot-nope, which is not on PATH/);
});

test('a missing or non-executable file is an error that names what was looked for', () => {
  const work = tempDir();
  const plain = path.join(work, 'not-executable');
  fs.writeFileSync(plain, 'x');
  fs.chmodSync(plain, 0o644);
  assert.match(resolveServer(plain, [work], { PATH: '' }).error, /is not an executable file/);
  const none = resolveServer('', [work], { PATH: tempDir() });
  assert.match(none.error, /no shotspec executable found/);
  assert.ok(none.error.includes(path.join(work, '.venv', 'bin', 'shot')));
  assert.ok(none.error.includes('shot on PATH'));
});
