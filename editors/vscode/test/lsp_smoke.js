#!/usr/bin/env node
// Start the language server the way the extension does (server_path.js picks the executable
// for a workspace folder, arguments ["lsp"], LSP over stdio), open one .shot file and print
// the diagnostics the server publishes for it as JSON:
//   node test/lsp_smoke.js WORKSPACE_FOLDER FILE.shot
// tests/editors/test_vscode_client.py runs it against the real `shot lsp`.
'use strict';

const cp = require('child_process');
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');
const { resolveServer } = require('../server_path');

let rpc;
try {
  rpc = require('vscode-languageserver-protocol/node');
} catch (err) {
  process.stderr.write('lsp_smoke.js: the npm packages are missing: run `npm ci` in editors/vscode\n');
  process.exit(3);
}

async function main([folder, file]) {
  const found = resolveServer('', [folder], process.env);
  if (found.error) throw new Error(found.error);
  const child = cp.spawn(found.command, ['lsp'], { cwd: folder, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const connection = rpc.createProtocolConnection(
    new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const uri = pathToFileURL(path.resolve(file)).href;
  const published = new Promise((resolve) => {
    connection.onNotification(rpc.PublishDiagnosticsNotification.type, (params) => {
      if (params.uri === uri) resolve(params.diagnostics);
    });
  });
  connection.onRequest(() => null);   // workspace/configuration and the like: no settings
  connection.listen();
  const init = await connection.sendRequest(rpc.InitializeRequest.type, {
    processId: process.pid,
    rootUri: pathToFileURL(folder).href,
    workspaceFolders: [{ uri: pathToFileURL(folder).href, name: path.basename(folder) }],
    capabilities: {},
  });
  await connection.sendNotification(rpc.InitializedNotification.type, {});
  await connection.sendNotification(rpc.DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId: 'shot', version: 1, text: fs.readFileSync(file, 'utf8') },
  });
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('no diagnostics within 60 s')), 60000);
  });
  const diagnostics = await Promise.race([published, timeout]).finally(() => clearTimeout(timer));
  await connection.sendRequest(rpc.ShutdownRequest.type);
  await connection.sendNotification(rpc.ExitNotification.type);
  process.stdout.write(JSON.stringify({
    command: found.command,
    server: init.serverInfo || null,
    diagnostics: diagnostics.map((d) => ({ code: d.code, message: d.message, line: d.range.start.line })),
  }));
  connection.dispose();
  const killer = setTimeout(() => child.kill(), 10000);
  await exited;
  clearTimeout(killer);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`lsp_smoke.js: ${err.stack || err}\n`);
  process.exit(1);
});
