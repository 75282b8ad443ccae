#!/usr/bin/env node
// Render a .shot file as an HTML page coloured by the TextMate scopes the extension's grammar
// gives each token (tokenised by vscode-textmate, as in VS Code), with a Dark+-like palette:
//   node test/highlight_html.js FILE.shot... > page.html   (one column per file)
// docs/images/editor_highlighting.png is this page in headless Chromium. The colours are this
// page's, not a VS Code theme's; the token boundaries and scopes are the grammar's.
'use strict';

const fs = require('fs');
const path = require('path');
const { loadEngine, tokenizeText } = require('./tokenize');

// First matching scope prefix wins (most specific first).
const PALETTE = [
  ['comment', '#6a9955'],
  ['string', '#ce9178'],
  ['keyword.other.unit', '#4ec9b0'],
  ['keyword.control', '#c586c0'],
  ['storage', '#c586c0'],
  ['keyword', '#c586c0'],
  ['entity.name.type', '#dcdcaa'],
  ['entity.other.inherited-class', '#dcdcaa'],
  ['entity.name.tag', '#569cd6'],
  ['support.type.property-name', '#9cdcfe'],
  ['constant.numeric', '#b5cea8'],
  ['constant.other.color', '#d7ba7d'],
  ['constant.other', '#b5cea8'],
  ['support.constant.preset', '#dcdcaa'],
  ['support.constant', '#4fc1ff'],
  ['variable.other.member', '#e8c9a0'],
  ['variable', '#e8c9a0'],
];

// The innermost scope with a colour; punctuation takes its enclosing string's or comment's.
function colour(scopes) {
  for (let i = scopes.length - 1; i >= 0; i--) {
    if (scopes[i].startsWith('punctuation.') && i > 1) continue;
    for (const [prefix, c] of PALETTE) {
      if (scopes[i] === prefix || scopes[i].startsWith(prefix + '.')) return c;
    }
  }
  return '#d4d4d4';
}

function escape(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function column(vsctm, grammar, file) {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const tokens = tokenizeText(vsctm, grammar, text);
  const body = tokens.map((line, i) => {
    const src = lines[i];
    const spans = line.map((t) => {
      const inner = t.scopes[t.scopes.length - 1];
      return `<span style="color:${colour(t.scopes)}" title="${escape(inner)}">${escape(src.slice(t.start, t.end))}</span>`;
    }).join('');
    return `<span class="n">${i + 1}</span>${spans}`;
  }).join('\n');
  return `<section><h1>${escape(path.basename(file))}</h1><pre>${body}</pre></section>`;
}

async function main(files) {
  const { vsctm, registry } = loadEngine();
  const grammar = await registry.loadGrammar('source.shot');
  const columns = files.map((f) => column(vsctm, grammar, f)).join('\n');
  const legend = PALETTE.filter(([p]) => p !== 'punctuation')
    .map(([p, c]) => `<span style="color:${c}">${escape(p)}</span>`).join(' · ');
  process.stdout.write(`<!doctype html><meta charset="utf-8"><title>.shot highlighting</title>
<style>
body { margin: 0; background: #1e1e1e; color: #d4d4d4; font: 15px/1.45 "DejaVu Sans Mono", monospace; }
header, footer { font: 13px/1.4 "DejaVu Sans", sans-serif; color: #9d9d9d; padding: 8px 16px; background: #252526; }
pre { margin: 0; padding: 10px 16px; font: inherit; }
main { display: flex; gap: 0; }
section { flex: 1; border-right: 1px solid #333; }
h1 { font: 13px/1.4 "DejaVu Sans", sans-serif; color: #cccccc; margin: 0; padding: 6px 16px; background: #2d2d2d; }
.n { display: inline-block; width: 2.5em; color: #6e7681; text-align: right; margin-right: 1.2em; }
</style>
<header>The scopes of editors/vscode/syntaxes/shot.tmLanguage.json, tokenised by vscode-textmate + vscode-oniguruma, coloured by this page (not a VS Code screenshot)</header>
<main>${columns}</main>
<footer>${legend}</footer>
`);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`highlight_html.js: ${err.stack || err}\n`);
  process.exit(1);
});
