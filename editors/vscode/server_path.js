// Where the `shot` executable that runs `shot lsp` is: the `shotspec.server.path` setting,
// else the workspace's virtual environment, else `shot` on PATH. No VS Code API here, so
// test/server_path.test.js runs it under plain node.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const WINDOWS = process.platform === 'win32';

function isExecutable(file) {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return false;
    if (!WINDOWS) fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch (err) {
    return false;
  }
}

// `name` on PATH (with PATHEXT on Windows), or null.
function onPath(name, envPath, pathExt) {
  const exts = WINDOWS ? (pathExt || '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (envPath || '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return null;
}

// `~/x` and `${workspaceFolder}/x` → absolute paths; a relative path is taken from the
// first workspace folder.
function expand(setting, folders) {
  let value = setting.trim();
  if (value === '~' || value.startsWith('~/')) value = path.join(os.homedir(), value.slice(1));
  if (folders.length > 0) {
    value = value.split('${workspaceFolder}').join(folders[0]);
    if (!path.isAbsolute(value) && value.includes(path.sep)) value = path.join(folders[0], value);
  }
  return value;
}

// {command} when found, or {error} saying what was looked for.
//   setting: the shotspec.server.path value ('' when unset); folders: workspace folder paths;
//   env: process.env (PATH, PATHEXT).
function resolveServer(setting, folders, env) {
  if (setting && setting.trim()) {
    const command = expand(setting, folders);
    if (path.isAbsolute(command)) {
      return isExecutable(command) ? { command }
        : { error: `shotspec.server.path is ${setting}, but ${command} is not an executable file` };
    }
    const found = onPath(command, env.PATH, env.PATHEXT);
    return found ? { command: found }
      : { error: `shotspec.server.path is ${setting}, which is not on PATH` };
  }
  const venv = WINDOWS ? path.join('.venv', 'Scripts', 'shot.exe') : path.join('.venv', 'bin', 'shot');
  for (const folder of folders) {
    const candidate = path.join(folder, venv);
    if (isExecutable(candidate)) return { command: candidate };
  }
  const found = onPath('shot', env.PATH, env.PATHEXT);
  if (found) return { command: found };
  const looked = folders.map((f) => path.join(f, venv)).concat(['shot on PATH']).join(', ');
  return { error: `no shotspec executable found (looked for ${looked}); install shotspec ` +
                  '(tools/setup.sh) or set shotspec.server.path' };
}

module.exports = { resolveServer, expand, onPath };
