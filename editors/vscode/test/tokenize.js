#!/usr/bin/env node
// Tokenise .shot files with the extension's TextMate grammar, using the engine VS Code uses
// (vscode-textmate + vscode-oniguruma), and print every token's scopes as JSON:
//   node test/tokenize.js FILE...  →  {"FILE": [[{"start": 0, "end": 9, "scopes": [...]}, ...], ...]}
// one list of tokens per line; start/end are 0-based columns in UTF-16 code units.
// tests/editors/test_textmate_grammar.py compares these scopes with the Lark parse.
'use strict';

const fs = require('fs');
const path = require('path');

function loadEngine() {
  let vsctm, oniguruma;
  try {
    vsctm = require('vscode-textmate');
    oniguruma = require('vscode-oniguruma');
  } catch (err) {
    process.stderr.write('tokenize.js: the npm packages are missing: run `npm ci` in editors/vscode\n');
    process.exit(3);
  }
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  const onigLib = oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength)).then(() => ({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }));
  const grammarPath = path.join(__dirname, '..', 'syntaxes', 'shot.tmLanguage.json');
  const registry = new vsctm.Registry({
    onigLib,
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.shot') return null;
      return vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath);
    },
  });
  return { vsctm, registry };
}

function tokenizeText(vsctm, grammar, text) {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  let state = vsctm.INITIAL;
  const out = [];
  for (const line of lines) {
    const result = grammar.tokenizeLine(line, state);
    out.push(result.tokens.map((t) => ({
      start: t.startIndex,
      end: Math.min(t.endIndex, line.length),
      scopes: t.scopes,
    })).filter((t) => t.end > t.start));
    state = result.ruleStack;
  }
  return out;
}

async function main(files) {
  if (files.length === 0) {
    process.stderr.write('usage: node test/tokenize.js FILE...\n');
    process.exit(2);
  }
  const { vsctm, registry } = loadEngine();
  const grammar = await registry.loadGrammar('source.shot');
  const result = {};
  for (const file of files) {
    result[file] = tokenizeText(vsctm, grammar, fs.readFileSync(file, 'utf8'));
  }
  process.stdout.write(JSON.stringify(result));
}

module.exports = { loadEngine, tokenizeText };

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`tokenize.js: ${err.stack || err}\n`);
    process.exit(1);
  });
}
