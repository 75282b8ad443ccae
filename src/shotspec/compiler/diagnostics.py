"""The compiler's view of diagnostics: the codes it emits, and the one ``Diagnostic`` type.

Nothing in the compiler raises on bad input; every phase appends ``Diagnostic``s to a list.
The type, its sink, the printer and ``did_you_mean`` live in ``shotspec.diagnostics`` (shared
with the runtime, the prompt export and the CLI) and are re-exported here.
"""

from __future__ import annotations

from shotspec.compiler.ir import Span
from shotspec.diagnostics import (SET_FILE, Diagnostic, DiagnosticSink, diagnostics_to_json,
                                  did_you_mean, render_diagnostics, sort_diagnostics)

__all__ = ["Diagnostic", "Span", "CODES", "render_diagnostics", "diagnostics_to_json",
           "did_you_mean", "DiagnosticSink", "SET_FILE", "sort_diagnostics", "nul_in_path"]

# Every code the compiler emits, with its one-line title (docs/diagnostics.md explains each).
CODES: dict[str, str] = {
    "E001": "unexpected character",
    "E002": "unexpected token",
    "E003": "unexpected end of file",
    "E004": "unterminated string",
    "E005": "unterminated block comment",
    "E006": "unknown top-level keyword",
    "E007": "blocks nested too deeply",
    "E101": "unknown key",
    "E102": "unknown preset",
    "E103": "preset used in the wrong kind of block",
    "E104": "unknown character",
    "E105": "unknown parent shot",
    "E106": "cycle in extends or presets",
    "E107": "import cycle",
    "E108": "duplicate definition",
    "E109": "unknown --set path",
    "E110": "malformed --set",
    "E111": "more than one key light",
    "E112": "`allow` names an unknown code",
    "E113": "two shots write the same output file",
    "E114": "unknown expression shape",
    "E201": "wrong kind of value or unit",
    "E202": "unknown choice",
    "E203": "value out of range",
    "E204": "focal length out of range",
    "E205": "f-number out of range",
    "E206": "focus or subject closer than the focal length",
    "E207": "impossible sensor size",
    "E208": "output resolution out of range",
    "E209": "output too large for memory",
    "E210": "wrong number of values",
    "E211": "focus target names another character",
    "E212": "format cannot store this bit depth",
    "E213": "a path contains a NUL character",
    "E214": "pupil diameter out of range",
    "E215": "unknown colour space, display, view or look",
    "E216": "colour config cannot be used",
    "E217": "tone-mapped twice (a tonemap pass and an output view)",
    "E230": "malformed keyframes",
    "E231": "keyframe outside the shot (or no duration)",
    "E232": "keyframe times not in order",
    "E233": "keyframes that mix units",
    "E234": "keyframes on a value that is not a number",
    "E235": "bad duration or frame rate",
    "E236": "a video output for a shot without duration",
    "E237": "a moving plate shorter than the shot, or unreadable",
    "E238": "malformed timecode",
    "E239": "a timecode the frame rate cannot count",
    "E301": "file not found",
    "E302": "imported file not found",
    "E303": "file unreadable",
    "E304": "expected a folder",
    "E510": "malformed LUT",
    "W101": "wide lens at close-up distance",
    "W102": "grain before an upscale",
    "W103": "smoothing or a fidelity upscale after skin enhancement",
    "W104": "key colour temperature drifts between shots of one character",
    "W105": "key direction drifts between shots of one character",
    "W106": "too few reference photos",
    "W107": "reference photos in a format shotspec cannot read (HEIC, WebP, …)",
    "W110": "eyelid shapes that pass through each other",
    "W111": "lips closed through an open jaw",
    "W112": "opposing expression shapes both driven",
    "W113": "mouth shapes overdriven",
    "W114": "extreme gaze in a turned head",
    "W115": "the frame shows past the end of the character's bust",
    "W116": "a grading LUT before an output view",
    "W130": "focus pull faster than a focus puller can turn",
    "W131": "grain strength keyframed",
    "W132": "a video plate's shot at another frame rate",
    "E401": "identity file not found",
    "E402": "identity file malformed",
    "E403": "a reference photo changed since the identity was built",
    "E404": "a reference photo of the identity is missing",
    "E405": "no usable reference photo",
    "E406": "reference photo folder missing or empty",
    "E407": "identity fitted to another head model",
    "W401": "identity built from too few photos",
    "W402": "skin tone drifts from the identity",
    "W403": "key colour temperature drifts between shots of one identity",
    "W404": "key side flips between shots of one identity",
    "W408": "identity built for the procedural head: face shape ignored",
}


def nul_in_path(sink: DiagnosticSink, path: str, what: str, span: Span | None) -> bool:
    """E213 when ``path`` holds a NUL character (no file system takes it: ``open`` would raise);
    True when it did. ``what`` names the path in the message ("output", "import", "plate" …)."""
    if "\0" not in path:
        return False
    sink.add("E213", f"the {what} path contains a NUL character (\\0)", span,
             help="remove it from the file name")
    return True
