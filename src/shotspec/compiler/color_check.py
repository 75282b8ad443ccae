"""Checks of a shot's colour management against its OpenColorIO config (docs/color.md).

Every name a spec gives — the working space, the display, the view, the look, a CDL's grading
space — must be one the config defines; a wrong one is E215 at the statement, with the
closest names (``did you mean``) or the config's list. A config that cannot be loaded (an
unknown built-in URI, a file that is not a config, OpenColorIO not installed) is E216. A shot
that tone-maps in its finish chain and again through an output view is E217; a `grade` (an
sRGB display-referred LUT) before an output view is W116.

Loading a built-in config takes 10–100 ms and PyOpenColorIO's import 0.1 s, once per process
(``shotspec.color_config`` caches both); shots without colour settings never load one.
"""

from __future__ import annotations

from shotspec.color_config import (DEFAULT_CONFIG, GRADING_SPACE, WORKING_SPACE,
                                   ColorConfigError, ConfigNames, config_names, is_builtin)
from shotspec.compiler.diagnostics import DiagnosticSink, did_you_mean
from shotspec.compiler.ir import ShotIR, Span
from shotspec.compiler.state import State


def viewed(output) -> bool:
    """Whether the output names a display or view (the frame reaching it is scene-linear)."""
    return output.display is not None or output.view is not None

__all__ = ["check_colour", "names_hint", "viewed"]

_LIST_MAX = 12


def names_hint(word: str, names: tuple[str, ...] | list[str], what: str) -> str:
    """``did you mean `x`?`` — a name that contains the word (colour-space names are long:
    `Linear Rec.709` → `Linear Rec.709 (sRGB)`), else the closest spelling — else the
    config's names (the first twelve and how many more)."""
    folded = word.casefold()
    containing = sorted({n for n in names if folded in n.casefold()}, key=len)
    if containing:
        return f"did you mean `{containing[0]}`?"
    close = did_you_mean(word, names, what, list_max=0)
    if close:
        return close
    shown = ", ".join(f"`{n}`" for n in list(names)[:_LIST_MAX])
    more = f" … ({len(names)} in all)" if len(names) > _LIST_MAX else ""
    return f"the config's {what}: {shown}{more}" if names else f"the config has no {what}"


def _uses_colour(shot: ShotIR) -> bool:
    out = shot.output
    return (viewed(out) or out.look is not None or out.config != DEFAULT_CONFIG
            or out.working != WORKING_SPACE
            or shot.source.colorspace is not None
            or any(p.op == "cdl" and p.enabled for p in shot.finish))


def check_colour(shot: ShotIR, state: State, sink: DiagnosticSink) -> None:
    """E215/E216/E217/W116 for ``shot`` (the state gives each statement's span)."""
    out = shot.output

    def span(path: str) -> Span | None:
        s = state.setting(path)
        return s.span if s is not None else out.span

    if viewed(out):
        for p in shot.finish:
            if p.op == "tonemap" and p.enabled and p.operator != "none":
                sink.add("E217", f"`tonemap {p.operator}` and the output's view both map "
                         "scene light to the display: the picture would be tone-mapped twice",
                         p.span or span("output.view"),
                         help="the view is the tone map: remove `tonemap`, or the output's "
                              "`display`/`view`")
            if p.op == "grade" and p.enabled and p.strength > 0:
                sink.add("W116", "`grade` applies its display LUT to scene-linear light, "
                         "before the output's view: light above 1 clips",
                         p.span or span("output.view"),
                         help="move the LUT to the output (`output { lut \"…\" }`, after the "
                              "view), grade in ACEScct with `cdl`, or `allow W116`")
    if not _uses_colour(shot):
        return
    if not is_builtin(out.config) and not out.config_sha256:
        return                                  # E301/E303 already said what is wrong
    try:
        names = config_names(out.config)
    except ColorConfigError as err:
        sink.add("E216", err.message, span("output.config"), help=err.hint or None)
        return
    _check_names(shot, names, span, state, sink)


def _unknown(sink: DiagnosticSink, kind: str, word: str, names, what: str, where, cfg: str,
             of: str = "") -> None:
    sink.add("E215", f"unknown {kind} `{word}`{of} in the colour config `{cfg}`", where,
             help=names_hint(word, names, what))


def _check_names(shot: ShotIR, names: ConfigNames, span, state: State,
                 sink: DiagnosticSink) -> None:
    out = shot.output
    spaces = names.colour_spaces + names.aliases + names.roles
    if not names.space_known(out.working):
        _unknown(sink, "working colour space", out.working, spaces, "colour spaces",
                 span("output.working"), names.name)
    display = out.display
    if display is not None and display not in names.displays:
        _unknown(sink, "display", display, names.displays, "displays", span("output.display"),
                 names.name)
        display = None
        if out.view is not None:
            return                       # a view of an unknown display cannot be checked
    if viewed(out):
        display = display or names.default_display
        views = names.views.get(display, ())
        if out.view is not None and out.view not in views:
            _unknown(sink, "view", out.view, views, f"views of `{display}`",
                     span("output.view"), names.name, f" of display `{display}`")
    plate_space = shot.source.colorspace
    if plate_space is not None and not names.space_known(plate_space):
        _unknown(sink, "plate colour space", plate_space, spaces, "colour spaces",
                 span("source.colorspace"), names.name)
    if out.look is not None and out.look not in names.looks:
        _unknown(sink, "look", out.look, names.looks, "looks", span("output.look"), names.name)
    for p in shot.finish:
        if p.op == "cdl" and p.enabled and not names.space_known(p.space):
            hint_names = spaces if p.space != GRADING_SPACE else names.roles
            _unknown(sink, "CDL grading space", p.space, hint_names, "colour spaces",
                     span("finish.cdl.space") if state.setting("finish.cdl.space") else p.span,
                     names.name)
