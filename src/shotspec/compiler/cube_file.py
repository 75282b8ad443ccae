"""The ``.cube`` LUT file format (Adobe/Resolve): a strict, torch-free reader.

The compiler uses it so ``shot check`` (and watch mode) reports a malformed LUT with its line
before anything renders; the runtime's grade pass turns the tables into tensors.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np

from shotspec.compiler.ir import Span
from shotspec.diagnostics import Diagnostic, ShotspecError, did_you_mean, line_span

__all__ = ["CubeData", "LutError", "read_cube", "check_cube", "MIN_SIZE", "MAX_3D_SIZE", "MAX_1D_SIZE"]

MIN_SIZE, MAX_3D_SIZE, MAX_1D_SIZE = 2, 256, 65536
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_KEYWORDS = ("TITLE", "LUT_1D_SIZE", "LUT_3D_SIZE", "DOMAIN_MIN", "DOMAIN_MAX",
             "LUT_1D_INPUT_RANGE", "LUT_3D_INPUT_RANGE")
_TOKEN = re.compile(r"\S+")
_NOT_NUMERIC = re.compile(r"[^0-9eE+\-. ]")
_ROW = re.compile(r"^[ \t]*\S+[ \t]+\S+[ \t]+\S+[ \t\r]*$", re.M)
_NONBLANK = re.compile(r"^[ \t\r]*\S", re.M)


class LutError(ShotspecError):
    """A malformed or unreadable ``.cube`` file: one E510 diagnostic pointing at the line and
    column in the LUT (``line`` 0: the whole file). ``reason`` is the bare problem."""

    def __init__(self, path: str, line: int, col: int, reason: str, hint: str | None = None):
        self.path, self.line, self.col, self.reason = str(path), line, col, reason
        span = line_span(self.path, line, col)
        if span is None:
            diag = Diagnostic.of("E510", f"malformed LUT `{self.path}`: {reason}", file=self.path,
                                 help=hint)
        else:
            diag = Diagnostic.of("E510", f"malformed LUT: {reason}", span=span,
                                 help=hint or "fix the .cube file or point `grade` at another LUT")
        super().__init__(diag)


@dataclass(frozen=True, eq=False)
class CubeData:
    """A parsed ``.cube``: ``table_1d`` ``(N, 3)`` and/or ``table_3d`` ``(N, N, N, 3)`` indexed
    ``[b, g, r]`` (red fastest in the file), float32; domains per channel (min, max)."""

    path: str
    title: str
    table_1d: np.ndarray | None
    domain_1d: tuple[tuple[float, float, float], tuple[float, float, float]]
    table_3d: np.ndarray | None
    domain_3d: tuple[tuple[float, float, float], tuple[float, float, float]]

    @property
    def kind(self) -> str:
        return "1d+3d" if self.table_1d is not None and self.table_3d is not None else (
            "3d" if self.table_3d is not None else "1d")

    @property
    def size(self) -> int:
        """Entries per axis of the main table (the cube when there is one)."""
        table = self.table_3d if self.table_3d is not None else self.table_1d
        return int(table.shape[0])

    @property
    def domain_min(self) -> tuple[float, float, float]:
        return (self.domain_3d if self.table_3d is not None else self.domain_1d)[0]

    @property
    def domain_max(self) -> tuple[float, float, float]:
        return (self.domain_3d if self.table_3d is not None else self.domain_1d)[1]


class _Parser:
    def __init__(self, path: str):
        self.path = path
        self.title = ""
        self.seen: dict[str, int] = {}
        self.size_1d = self.size_3d = 0
        self.domain: dict[str, tuple[list[float], int, list[int]]] = {}
        self.ranges: dict[str, tuple[float, float]] = {}
        self.values: list[str] = []          # table tokens, 3 per row, converted at the end
        self.row_lines: list[int] = []       # line of each row (filled lazily on the fast path)
        self.n_rows = 0
        self.fast_from = 0                   # first line of a block parsed in bulk (0: none)
        self.lines: list[str] = []
        self.first_row_line = 0
        self.last_line = 1

    def error(self, line: int, col: int, message: str, hint: str | None = None) -> LutError:
        return LutError(self.path, line, col, message, hint)

    def number(self, text: str, line: int, col: int) -> float:
        if not _NUMBER.match(text):
            raise self.error(line, col, f"{text!r} is not a number",
                             "table rows and keyword values are decimal numbers like 0.25 or 1e-3")
        return float(text)

    def keyword(self, key: str, toks: list[tuple[int, str]], line: int, raw: str) -> None:
        col = toks[0][0]
        if self.n_rows:
            raise self.error(line, col, f"keyword {key} after the table data",
                             "move all keywords above the first table row")
        if key in self.seen:
            raise self.error(line, col, f"{key} given twice (first on line {self.seen[key]})")
        self.seen[key] = line
        args = toks[1:]
        end_col = len(raw.rstrip()) + 1
        if key == "TITLE":
            m = re.match(r'\s*TITLE\s+"([^"]*)"\s*(?:#.*)?$', raw, re.IGNORECASE)
            if not m:
                raise self.error(line, col, 'TITLE needs one quoted string', 'e.g. TITLE "warm look"')
            self.title = m.group(1)
            return
        want = {"LUT_1D_SIZE": 1, "LUT_3D_SIZE": 1, "DOMAIN_MIN": 3, "DOMAIN_MAX": 3,
                "LUT_1D_INPUT_RANGE": 2, "LUT_3D_INPUT_RANGE": 2}[key]
        if len(args) != want:
            where = args[want][0] if len(args) > want else end_col
            raise self.error(line, where, f"{key} takes {want} value{'s' * (want > 1)}, got {len(args)}")
        if key.endswith("_SIZE"):
            c, text = args[0]
            if not re.fullmatch(r"[+-]?\d+", text):
                raise self.error(line, c, f"{key} must be a whole number, got {text!r}")
            n = int(text)
            hi = MAX_3D_SIZE if key == "LUT_3D_SIZE" else MAX_1D_SIZE
            if not MIN_SIZE <= n <= hi:
                raise self.error(line, c, f"{key} {n} is out of range {MIN_SIZE}..{hi}")
            if key == "LUT_3D_SIZE":
                self.size_3d = n
            else:
                self.size_1d = n
            return
        values = [self.number(t, line, c) for c, t in args]
        if key.startswith("DOMAIN"):
            self.domain[key] = (values, line, [c for c, _ in args])
        else:
            if values[0] >= values[1]:
                raise self.error(line, args[1][0], f"{key} minimum {values[0]:g} is not below "
                                 f"its maximum {values[1]:g}")
            self.ranges[key] = (values[0], values[1])

    def row_error(self, line: int, raw: str) -> LutError:
        """The precise error for a table row that failed the fast checks."""
        body = raw.split("#", 1)[0]
        toks = [(m.start() + 1, m.group()) for m in _TOKEN.finditer(body)]
        if len(toks) != 3:
            where = toks[3][0] if len(toks) > 3 else len(body.rstrip()) + 1
            return self.error(line, where, f"a table row has 3 values (r g b), got {len(toks)}")
        for c, t in toks:
            if not _NUMBER.match(t):
                return self.error(line, c, f"{t!r} is not a number",
                                  "table rows are three decimal numbers like 0.25 0.5 1e-3")
            if not math.isfinite(float(t)):
                return self.error(line, c, f"{t!r} is not a finite number")
        return self.error(line, 1, "malformed table row")

    def feed(self, text: str) -> None:
        lines = text.splitlines()
        self.lines = lines
        for line_no, raw in enumerate(lines, start=1):
            self.last_line = line_no
            is_title = raw.lstrip()[:5].upper() == "TITLE"
            body = raw if is_title else raw.split("#", 1)[0]
            parts = body.split()
            if not parts:
                continue
            c0 = parts[0][0]
            if not (c0.isalpha() or c0 == "_"):
                if len(parts) != 3:
                    raise self.row_error(line_no, raw)
                if not self.n_rows:
                    self.first_row_line = line_no
                    if self.bulk(lines, line_no):
                        return
                self.values.extend(parts)
                self.row_lines.append(line_no)
                self.n_rows += 1
                continue
            toks = [(m.start() + 1, m.group()) for m in _TOKEN.finditer(body)]
            first = toks[0][1]
            key = first.upper()
            if key in _KEYWORDS:
                self.keyword(key, toks, line_no, raw)
                continue
            hint = did_you_mean(key, _KEYWORDS, "known keywords")
            if key in ("LUT_IN_VIDEO_RANGE", "LUT_OUT_VIDEO_RANGE"):
                hint = "video-range LUTs are not supported; export the LUT with full range"
            raise self.error(line_no, toks[0][0], f"unknown keyword {first!r}", hint)

    def bulk(self, lines: list[str], first: int) -> bool:
        """Fast path: when everything from line ``first`` on is plain ``r g b`` rows (no comments,
        no keywords), take them in one go. False (nothing consumed) otherwise."""
        block = "\n".join(lines[first - 1:])
        if _NOT_NUMERIC.search(block.replace("\n", " ").replace("\t", " ").replace("\r", " ")):
            return False
        rows = len(_ROW.findall(block))
        if rows != len(_NONBLANK.findall(block)):
            return False
        self.values = block.split()
        self.n_rows, self.fast_from = rows, first
        self.last_line = len(lines)
        return True

    def line_of_row(self, index: int) -> int:
        """1-based line number of table row ``index`` (0-based)."""
        if not self.fast_from:
            return self.row_lines[index]
        seen = -1
        for line_no in range(self.fast_from, len(self.lines) + 1):
            if self.lines[line_no - 1].strip():
                seen += 1
                if seen == index:
                    return line_no
        return len(self.lines)

    def table(self) -> np.ndarray:
        """The table rows as an ``(rows, 3)`` float array; LutError at the first bad value."""
        try:
            if _NOT_NUMERIC.search(" ".join(self.values)):
                raise ValueError
            arr = np.array(self.values, dtype=np.float64).reshape(-1, 3)
            if not np.isfinite(arr).all():
                raise ValueError
        except ValueError:
            for i in range(self.n_rows):
                vals = self.values[3 * i: 3 * i + 3]
                if not all(_NUMBER.match(v) and math.isfinite(float(v)) for v in vals):
                    line = self.line_of_row(i)
                    raise self.row_error(line, self.lines[line - 1]) from None
            raise
        return arr

    def domain_pair(self, which: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
        lo, hi = [0.0] * 3, [1.0] * 3
        if which in self.ranges:
            lo, hi = [self.ranges[which][0]] * 3, [self.ranges[which][1]] * 3
        if "DOMAIN_MIN" in self.domain:
            lo = self.domain["DOMAIN_MIN"][0]
        if "DOMAIN_MAX" in self.domain:
            hi = self.domain["DOMAIN_MAX"][0]
        return tuple(lo), tuple(hi)

    def finish(self) -> CubeData:
        if not self.size_1d and not self.size_3d:
            raise self.error(self.first_row_line or 1, 1, "missing LUT_3D_SIZE or LUT_1D_SIZE",
                             "add e.g. 'LUT_3D_SIZE 33' above the table")
        lo, hi = self.domain_pair("")
        if self.domain:
            later = max(self.domain.values(), key=lambda d: d[1])
            for ch in range(3):
                if lo[ch] >= hi[ch]:
                    raise self.error(later[1], later[2][ch], f"DOMAIN_MIN {lo[ch]:g} is not below "
                                     f"DOMAIN_MAX {hi[ch]:g} for the {'RGB'[ch]} channel")
        n1, n3 = self.size_1d, self.size_3d ** 3
        expected = n1 + n3
        if self.n_rows != expected:
            sizes = " + ".join(s for s in (f"LUT_1D_SIZE {self.size_1d} needs {n1}" if n1 else "",
                                           f"LUT_3D_SIZE {self.size_3d} needs {n3}" if n3 else "") if s)
            if self.n_rows > expected:
                extra = self.line_of_row(expected)
                raise self.error(extra, 1, f"too many table rows: {sizes} rows, found {self.n_rows}")
            raise self.error(self.last_line, 1, f"too few table rows: {sizes} rows, found "
                             f"{self.n_rows}", "the file may be truncated")
        table = self.table().astype(np.float32)
        t1 = np.ascontiguousarray(table[:n1]) if n1 else None
        t3 = (np.ascontiguousarray(table[n1:].reshape(self.size_3d, self.size_3d, self.size_3d, 3))
              if n3 else None)
        if n1 and n3:   # shaper + cube: DOMAIN_*/INPUT_RANGE per part (Resolve)
            d1, d3 = self.domain_pair("LUT_1D_INPUT_RANGE"), self.domain_pair("LUT_3D_INPUT_RANGE")
        else:
            d1 = d3 = self.domain_pair("LUT_1D_INPUT_RANGE" if n1 else "LUT_3D_INPUT_RANGE")
        return CubeData(self.path, self.title, t1, d1, t3, d3)


def read_cube(path: str) -> CubeData:
    """Parse a ``.cube`` file strictly (tables as numpy); raises :class:`LutError`."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise LutError(str(path), 0, 0, "not a text file", f"a .cube LUT is UTF-8/ASCII text ({exc.reason})") from None
    except OSError as exc:
        raise LutError(str(path), 0, 0, f"cannot read the LUT: {exc.strerror or exc}",
                       "check the path in the grade statement") from None
    parser = _Parser(str(path))
    parser.feed(text)
    return parser.finish()


def check_cube(path: str, span: Span | None = None) -> list[Diagnostic]:
    """E510 for a malformed LUT (pointing at the line in the LUT, with a note naming ``span``);
    an unreadable or missing file is left to the file checks (E301/E303)."""
    try:
        read_cube(path)
    except LutError as exc:
        diag = exc.diagnostics[0]
        if diag.span is None:          # the whole file: point at the grade statement instead
            return [replace(diag, span=span)]
        notes = (f"graded at {span.file}:{span.line}:{span.col}",) if span is not None else ()
        return [replace(diag, notes=notes)]
    return []
