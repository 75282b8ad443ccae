// The shotspec extension: .shot highlighting comes from the TextMate grammar (package.json);
// this file starts the language server, `shot lsp` over stdio, from the user's environment.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');
const { resolveServer } = require('./server_path');

let client = null;
let output = null;

function folders() {
  return (vscode.workspace.workspaceFolders || [])
    .filter((f) => f.uri.scheme === 'file')
    .map((f) => f.uri.fsPath);
}

async function start() {
  const config = vscode.workspace.getConfiguration('shotspec');
  const found = resolveServer(config.get('server.path', ''), folders(), process.env);
  if (found.error) {
    output.appendLine(found.error);
    const choice = await vscode.window.showErrorMessage(
      `shotspec: ${found.error}. Highlighting works; diagnostics, hover and completion need the server.`,
      'Open Settings');
    if (choice === 'Open Settings') {
      vscode.commands.executeCommand('workbench.action.openSettings', 'shotspec.server.path');
    }
    return;
  }
  const args = config.get('server.args', ['lsp']);
  output.appendLine(`starting ${found.command} ${args.join(' ')}`);
  const run = { command: found.command, args, transport: TransportKind.stdio,
                options: { cwd: folders()[0] } };
  client = new LanguageClient('shotspec', 'shotspec', { run, debug: run }, {
    documentSelector: [{ scheme: 'file', language: 'shot' }, { scheme: 'untitled', language: 'shot' }],
    outputChannel: output,
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{shot,cube}') },
  });
  try {
    await client.start();
  } catch (err) {
    output.appendLine(`the language server did not start: ${err && err.message ? err.message : err}`);
    vscode.window.showErrorMessage(`shotspec: \`${found.command} ${args.join(' ')}\` did not start ` +
      '(does this shotspec have `shot lsp`?). See the shotspec output channel.');
    client = null;
  }
}

async function stop() {
  if (client) {
    const running = client;
    client = null;
    await running.stop().catch(() => undefined);
  }
}

async function restart() {
  await stop();
  await start();
}

function activate(context) {
  output = vscode.window.createOutputChannel('shotspec');
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('shotspec.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('shotspec.server')) restart();
    }),
    { dispose: () => { stop(); } },
  );
  return start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
