"""Screenshots of `shot lsp` in real editors, for docs/editor.md.

Neovim: runs Debian's ``nvim`` in a pseudo-terminal, configured only by
``editors/neovim/shot.lua``, on a spec with a lint and an error; waits for the language
server's diagnostics to appear, opens the hover on the lens, and draws the terminal's cells
(read by the ``pyte`` terminal emulator) into a PNG with DejaVu Sans Mono: what the user's
terminal shows, cell for cell. Needs ``nvim`` (apt-get install neovim) and ``pyte`` (dev extra).

VS Code (``--code-server``): code-server — VS Code's workbench served to a browser — with the
extension installed from its ``.vsix``, the same spec opened, in headless Chromium; the
screenshot shows the squiggles, the hover and the Problems panel. code-server is not a project
dependency: ``npm install --unsafe-perm code-server@4.100.3`` (node 20; its native modules need
Debian's libkrb5-dev, libsecret-1-dev and libxkbfile-dev) gives
``node_modules/.bin/code-server``.

    python tools/editor_screenshots.py [--out docs/images] [--code-server PATH --vsix FILE]
"""

from __future__ import annotations

import argparse
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLS, ROWS = 128, 20
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
FONT_PX = 15
SPEC = (ROOT / "editors" / "lint_and_typo.shot").read_text()
INIT = """\
vim.o.termguicolors = true
vim.o.background = "dark"
vim.cmd("colorscheme desert")
vim.o.number = true
vim.o.signcolumn = "yes"
vim.o.laststatus = 2
vim.cmd("highlight NormalFloat guibg=#2b3040 guifg=#e6e6e6")
dofile({config!r}).setup({{ cmd = {{ {python!r}, "-m", "shotspec", "lsp" }} }})
"""
# The 16 ANSI colours as the screenshots draw them (xterm's defaults) and the default pair.
ANSI = {"black": "000000", "red": "cd3131", "green": "0dbc79", "brown": "e5e510", "yellow": "e5e510",
        "blue": "2472c8", "magenta": "bc3fbc", "cyan": "11a8cd", "white": "e5e5e5",
        "brightblack": "666666", "brightred": "f14c4c", "brightgreen": "23d18b", "brightbrown": "f5f543",
        "brightyellow": "f5f543", "brightblue": "3b8eea", "brightmagenta": "d670d6",
        "brightcyan": "29b8db", "brightwhite": "ffffff"}
DEFAULT_FG, DEFAULT_BG = "d4d4d4", "1e1e1e"


class Terminal:
    """``nvim`` in a pseudo-terminal of COLS × ROWS cells, its output fed to a pyte screen."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]):
        import pyte

        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.master, slave = pty.openpty()
        os.set_blocking(self.master, False)
        import fcntl
        import struct
        import termios

        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True)
        os.close(slave)

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    self.stream.feed(os.read(self.master, 65536))
                except OSError:
                    return

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, needle: str, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.pump(0.2)
            if needle in self.text():
                return True
        return False

    def keys(self, data: str) -> None:
        os.write(self.master, data.encode("utf-8"))
        self.pump(0.3)

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)
        os.close(self.master)


def _colour(value: str, default: str) -> tuple[int, int, int]:
    hexa = default if value == "default" else ANSI.get(value, value)
    try:
        return tuple(int(hexa[i:i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return tuple(int(default[i:i + 2], 16) for i in (0, 2, 4))


def draw(screen, path: Path) -> None:
    """The screen's cells as a PNG: each cell's background, then its character."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, FONT_PX)
    bold = ImageFont.truetype(FONT.replace("Mono.ttf", "Mono-Bold.ttf"), FONT_PX)
    cw = round(font.getlength("M"))
    ch = FONT_PX + 4
    image = Image.new("RGB", (COLS * cw + 16, ROWS * ch + 16), _colour("default", DEFAULT_BG))
    pen = ImageDraw.Draw(image)
    for y in range(ROWS):
        row = screen.buffer[y]
        for x in range(COLS):
            cell = row[x]
            fg, bg = _colour(cell.fg, DEFAULT_FG), _colour(cell.bg, DEFAULT_BG)
            if cell.reverse:
                fg, bg = bg, fg
            if (y, x) == (screen.cursor.y, screen.cursor.x) and not screen.cursor.hidden:
                fg, bg = bg, _colour("default", DEFAULT_FG)
            x0, y0 = 8 + x * cw, 8 + y * ch
            pen.rectangle([x0, y0, x0 + cw - 1, y0 + ch - 1], fill=bg)
            if cell.data.strip():
                pen.text((x0, y0 + 1), cell.data, font=bold if cell.bold else font, fill=fg)
    image.save(path)


def neovim(out: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "portrait.shot").write_text(SPEC)
        init = folder / "init.lua"
        init.write_text(INIT.format(config=str(ROOT / "editors" / "neovim" / "shot.lua"), python=sys.executable))
        env = dict(os.environ, TERM="xterm-256color", HOME=str(folder), XDG_RUNTIME_DIR=str(folder),
                   COLORTERM="truecolor")
        term = Terminal(["nvim", "--clean", "-u", str(init), "portrait.shot"], folder, env)
        try:
            if not term.wait_for("unknown key", 60):
                raise SystemExit("no diagnostics appeared in Neovim within 60 s:\n" + term.text())
            term.keys("7G0f2")                      # onto `24mm`
            term.keys(":lua vim.lsp.buf.hover()\r")
            if not term.wait_for("focal length", 30):
                raise SystemExit("no hover appeared in Neovim within 30 s:\n" + term.text())
            term.pump(0.5)
            path = out / "editor_neovim.png"
            draw(term.screen, path)
            return path
        finally:
            term.close()


VSCODE_SETTINGS = {
    "workbench.colorTheme": "Default Dark Modern", "workbench.startupEditor": "none",
    "security.workspace.trust.enabled": False, "telemetry.telemetryLevel": "off",
    "workbench.tips.enabled": False, "editor.minimap.enabled": False,
    "chat.commandCenter.enabled": False, "window.commandCenter": False,
}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def vscode(out: Path, code_server: Path, vsix: Path) -> Path:
    """VS Code (code-server: VS Code's own workbench in a browser) with the project's
    extension installed from ``vsix``, on the same spec: the squiggles, the hover on the lens
    and the Problems panel, as headless Chromium shows them."""
    import json
    import shutil
    import urllib.request

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        home = Path(tmp)
        folder, data, exts = home / "project", home / "data", home / "extensions"
        folder.mkdir()
        (folder / "portrait.shot").write_text(SPEC)
        (data / "User").mkdir(parents=True)
        shot = Path(sys.executable).with_name("shot")
        settings = dict(VSCODE_SETTINGS, **{"shotspec.server.path": str(shot)})
        (data / "User" / "settings.json").write_text(json.dumps(settings, indent=2))
        common = ["--user-data-dir", str(data), "--extensions-dir", str(exts)]
        env = dict(os.environ, HOME=str(home), XDG_RUNTIME_DIR=str(home))
        subprocess.run([str(code_server), *common, "--install-extension", str(vsix)], env=env,
                       check=True, capture_output=True, timeout=300)
        port = _free_port()
        server = subprocess.Popen([str(code_server), *common, "--auth", "none", "--disable-telemetry",
                                   "--disable-update-check", "--disable-workspace-trust",
                                   "--bind-addr", f"127.0.0.1:{port}", str(folder)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}/?folder={folder}"
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu"], headless=True)
                page = browser.new_page(viewport={"width": 1280, "height": 640})
                page.goto(url)
                page.wait_for_selector(".monaco-workbench", timeout=120_000)
                page.wait_for_timeout(3000)
                page.locator(".explorer-item", has_text="portrait.shot").first.dblclick()
                try:
                    page.wait_for_selector(".squiggly-error", timeout=120_000)
                except Exception:
                    page.screenshot(path=str(out / "editor_vscode_failed.png"))
                    raise
                page.keyboard.press("Control+Shift+M")                  # the Problems panel
                page.wait_for_timeout(1500)
                lens = page.locator(".view-line span span", has_text=re.compile(r"^24mm$")).first
                lens.click()
                page.keyboard.press("Control+K")
                page.keyboard.press("Control+I")                       # show the hover
                page.get_by_text("focal length").first.wait_for(timeout=30_000)
                page.wait_for_timeout(800)
                path = out / "editor_vscode.png"
                page.screenshot(path=str(path))
                browser.close()
            return path
        finally:
            server.kill()
            server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"))
    parser.add_argument("--code-server", type=Path, help="a code-server executable: also take VS Code's screenshot")
    parser.add_argument("--vsix", type=Path, help="the extension's .vsix (see editors/vscode/README.md)")
    parser.add_argument("--only", choices=("neovim", "vscode"), help="take one screenshot")
    args = parser.parse_args()
    out = Path(args.out)
    if args.only != "vscode":
        print(f"wrote {neovim(out)}")
    if args.code_server is not None and args.only != "neovim":
        if args.vsix is None:
            raise SystemExit("--code-server needs --vsix (build it: editors/vscode/README.md)")
        print(f"wrote {vscode(out, args.code_server, args.vsix)}")


if __name__ == "__main__":
    main()
