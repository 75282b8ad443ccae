"""``render_prompt``: one shot of a compiled program → a generator prompt (and a ComfyUI graph).

Each target is a folder of jinja2 templates: ``prompt.j2`` (required: one clause per output line),
``negative.j2`` (optional: the negative prompt, same form) and ``workflow.json.j2`` (optional: a
ComfyUI API graph). A user template directory is searched before the built-in one, file by file,
so ``DIR/sdxl/prompt.j2`` overrides only the SDXL prompt and ``DIR/mine/prompt.j2`` adds a target.
Templates run under ``StrictUndefined``: a misspelt variable is an error with its file and line,
never a silently empty clause. A template may export settings with top-level ``{% set %}``:
``joiner`` (how clauses join into one string, default ", "), ``size_multiple`` (the target's
size grid, default 1), ``native_pixels`` (the model's native area, for a W702 warning) and
``note`` (a line shown in the text form).
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Mapping

import jinja2

from shotspec.compiler.ir import ProgramIR, ShotIR
from shotspec.diagnostics import did_you_mean
from shotspec.prompt import formatting as fmt
from shotspec.prompt.comfyui import CHECKPOINT_PLACEHOLDER, check_workflow, workflow_options
from shotspec.prompt.errors import PromptError
from shotspec.prompt.vocabulary import shot_context

__all__ = [
    "PromptResult", "TARGETS", "BUILTIN_TEMPLATES", "available_targets", "render_prompt",
    "shot_seed",
]

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
TARGETS = ("generic", "flux", "sdxl", "comfyui")
PROMPT, NEGATIVE, WORKFLOW = "prompt.j2", "negative.j2", "workflow.json.j2"


@dataclass(frozen=True)
class PromptResult:
    """A rendered prompt. ``text`` is what ``shot prompt`` prints: the clauses one per line (or,
    for a workflow target, the ComfyUI graph as pretty-printed JSON with sorted keys)."""

    target: str
    shot: str
    positive: str
    negative: str | None
    seed: int
    width: int
    height: int
    text: str
    workflow: dict | None = None
    warnings: tuple[str, ...] = field(default=())   # "W701: ..." lines for the CLI to show


def _search_path(template_dir: str | os.PathLike | None) -> list[Path]:
    if template_dir is None:
        return [BUILTIN_TEMPLATES]
    user = Path(template_dir)
    if not user.is_dir():
        raise PromptError("E707", f"template directory {str(user)!r} does not exist",
                          file=str(user), hint="pass a folder that holds <target>/prompt.j2")
    return [user, BUILTIN_TEMPLATES]


def _targets_in(search: list[Path]) -> tuple[str, ...]:
    found = [t for t in TARGETS if (BUILTIN_TEMPLATES / t / PROMPT).is_file()]
    for base in search[:-1]:
        for sub in sorted(base.iterdir()):
            if sub.is_dir() and not sub.name.startswith(("_", ".")) and sub.name not in found:
                if not (sub / PROMPT).is_file():
                    raise PromptError(
                        "E707", f"target folder {sub.name!r} has no {PROMPT}", file=str(sub),
                        hint=f"add {sub / PROMPT} (one clause per line), or rename the folder "
                             "with a leading '_' to hold shared includes")
                found.append(sub.name)
    return tuple(found)


def available_targets(template_dir: str | os.PathLike | None = None) -> tuple[str, ...]:
    """Built-in targets (in ``TARGETS`` order) then any a user template directory adds."""
    return _targets_in(_search_path(template_dir))


def _find(search: list[Path], target: str, name: str) -> Path | None:
    return next((base / target / name for base in search if (base / target / name).is_file()),
                None)


# --------------------------------------------------------------------------- jinja environment

def _article(text: str) -> str:
    """Prefix "a" or "an" by sound: "an 85mm lens", "a 50mm lens", "an area light"."""
    word = str(text).strip()
    number = re.match(r"\d+", word)
    if number:
        vowel = number.group().startswith("8") or number.group() in ("11", "18")
    else:
        vowel = word[:1].lower() in "aeio" or (
            word[:1].lower() == "u" and not word.lower().startswith(("uni", "use", "usu")))
    return f"{'an' if vowel else 'a'} {word}"


def _sentence(text: str) -> str:
    """Upper-case the first letter only ("AgX" stays "AgX", unlike jinja's ``capitalize``)."""
    text = str(text)
    return text[:1].upper() + text[1:]


def _and_join(items, last: str = "and") -> str:
    """"a", "a and b", "a, b and c"."""
    items = [str(i) for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def _environment(search: list[Path]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search]),
        undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=False, auto_reload=False,
    )
    env.filters.update({
        "num": fmt.fmt_num, "deg": lambda rad: fmt.fmt_deg(fmt.deg(rad)), "metres": fmt.fmt_length,
        "kelvin": fmt.fmt_kelvin, "focal": fmt.fmt_focal, "fstop": fmt.fmt_fnumber,
        "ratio": fmt.fmt_ratio, "percent": fmt.fmt_percent, "article": _article,
        "sentence": _sentence, "and_join": _and_join,
    })
    return env


# --------------------------------------------------------------------------- errors

def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template file and line in ``exc``'s traceback.

    Compiled template code carries its template in the ``__jinja_template__`` global; its
    python line maps back to the template line through the template's debug info.
    """
    file = line = None
    tb = exc.__traceback__
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None and template.filename:
            file, line = template.filename, template.get_corresponding_lineno(tb.tb_lineno)
        tb = tb.tb_next
    return file, line


def _fields_by_class(context: Mapping[str, Any]) -> dict[str, list[str]]:
    """Class name → field names of the dataclasses a template can reach (one level deep)."""
    out: dict[str, list[str]] = {}
    for value in context.values():
        for item in (value if isinstance(value, list) else [value])[:1]:
            if is_dataclass(item):
                out[type(item).__name__] = [f.name for f in fields(item)]
    return out


def _undefined_hint(message: str, context: Mapping[str, Any]) -> tuple[str, str | None]:
    """A readable message and a did-you-mean hint for jinja's undefined-name messages."""
    attr = re.match(r"'(?:[\w.]+\.)?(\w+) object' has no attribute '([^']+)'", message)
    if attr:
        cls, name = attr.groups()
        choices = _fields_by_class(context).get(cls) or []
        return (f"{cls} has no attribute {name!r}",
                did_you_mean(name, choices, f"{cls} fields", list_max=100) if choices else None)
    missing = re.match(r"'([^']+)' is undefined", message)
    if missing:
        return message, did_you_mean(missing.group(1), list(context), "variables", list_max=100)
    return message, None


def _render_error(exc: Exception, path: Path, context: Mapping[str, Any]) -> PromptError:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return PromptError("E703", f"template syntax error: {exc.message}",
                           file=exc.filename or str(path), line=exc.lineno,
                           hint="check the {% ... %} and {{ ... }} tags on this line; "
                                "filters shotspec adds: num, deg, metres, kelvin, focal, fstop, "
                                "ratio, percent, article, sentence, and_join")
    file, line = _template_frame(exc)
    file = file or str(path)
    if isinstance(exc, jinja2.UndefinedError):
        message, hint = _undefined_hint(str(exc.message or exc), context)
        return PromptError("E704", f"undefined in template: {message}", file=file, line=line,
                           hint=hint)
    if isinstance(exc, jinja2.TemplateNotFound):
        return PromptError("E705", f"included template {exc.name!r} not found", file=file,
                           line=line, hint="include paths are relative to a template directory, "
                                           "e.g. {% include \"sdxl/prompt.j2\" %}")
    return PromptError("E705", f"template failed: {type(exc).__name__}: {exc}", file=file,
                       line=line, hint="check the values and filters used on this line")


def _render(env: jinja2.Environment, path: Path, name: str,
            context: Mapping[str, Any]) -> tuple[str, Any]:
    """Render template ``name``; returns its text and its module (for top-level exports)."""
    try:
        module = env.get_template(name).make_module(dict(context))
        return str(module), module
    except Exception as exc:  # noqa: BLE001 - every template failure becomes a diagnostic
        raise _render_error(exc, path, context) from exc


def _clauses(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _export(module: Any, name: str, kind: type, default: Any, path: Path) -> Any:
    value = getattr(module, name, default)
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise PromptError("E705", f"template setting {name!r} must be {kind.__name__}, "
                                  f"got {value!r}", file=str(path),
                          hint=f"e.g. {{% set {name} = {default!r} %}}")
    return value


def _snap(value: int, multiple: int) -> int:
    """Nearest multiple (ties go up), never below one step."""
    return max(multiple, (value + multiple // 2) // multiple * multiple)


# --------------------------------------------------------------------------- public entry point

def shot_seed(shot: ShotIR) -> int:
    """The generator seed: the shot's ``seed``, or, when the shot leaves it at 0, its
    character's seed, so every shot of one character starts from the same noise."""
    if shot.seed == 0 and shot.character is not None:
        return shot.character.seed
    return shot.seed


def _pick_shot(program: ProgramIR, name: str | None) -> ShotIR:
    if not program.shots:
        raise PromptError("E702", f"{program.file} has no shot to write a prompt for",
                          file=program.file, hint="add a `shot NAME { ... }` block")
    if name is None:
        return program.shots[0]
    for shot in program.shots:
        if shot.name == name:
            return shot
    raise PromptError("E702", f"no shot named {name!r} in {program.file}", file=program.file,
                      hint=did_you_mean(name, [s.name for s in program.shots], "shots"))


def render_prompt(program: ProgramIR, *, shot: str | None = None, target: str = "generic",
                  template_dir: str | os.PathLike | None = None, checkpoint: str | None = None,
                  options: Mapping[str, Any] | None = None) -> PromptResult:
    """Render ``shot`` (default: the program's first) for ``target``.

    ``checkpoint`` and ``options`` (steps, cfg, sampler_name, scheduler, denoise, batch_size,
    filename_prefix; strings are converted) only matter to targets with a workflow template.
    Raises ``PromptError`` (E7xx) for an unknown shot or target and for any template failure.
    """
    search = _search_path(template_dir)
    targets = _targets_in(search)
    if target not in targets:
        raise PromptError("E701", f"unknown prompt target {target!r}",
                          hint=did_you_mean(target, targets, "targets"))
    shot_ir = _pick_shot(program, shot)
    env = _environment(search)
    context = shot_context(shot_ir)

    prompt_path = _find(search, target, PROMPT)
    text, module = _render(env, prompt_path, f"{target}/{PROMPT}", context)
    clauses = _clauses(text)
    if not clauses:
        raise PromptError("E708", f"the {target} prompt template produced no text",
                          file=str(prompt_path), hint="write one clause per line")
    joiner = _export(module, "joiner", str, ", ", prompt_path)
    multiple = _export(module, "size_multiple", int, 1, prompt_path)
    native = _export(module, "native_pixels", int, 0, prompt_path)
    notes = [_export(module, "note", str, "", prompt_path)]
    if multiple < 1:
        raise PromptError("E705", f"size_multiple must be at least 1, got {multiple}",
                          file=str(prompt_path))

    negative_clauses: list[str] | None = None
    negative_joiner = joiner
    negative_path = _find(search, target, NEGATIVE)
    if negative_path is not None:
        neg_text, neg_module = _render(env, negative_path, f"{target}/{NEGATIVE}", context)
        negative_clauses = _clauses(neg_text)
        negative_joiner = _export(neg_module, "joiner", str, joiner, negative_path)
    positive = joiner.join(clauses)
    negative = negative_joiner.join(negative_clauses) if negative_clauses is not None else None

    out = shot_ir.output
    width, height = _snap(out.width, multiple), _snap(out.height, multiple)
    warnings: list[str] = []
    if native and width * height > 2 * native:
        side = int(math.sqrt(native))
        warnings.append(f"W702: {width}x{height} is far above this model's native ~{side}x{side}; "
                        "generate near the native size and let shotspec upscale the plate")

    workflow = None
    workflow_path = _find(search, target, WORKFLOW)
    if workflow_path is not None:
        workflow = _workflow(env, workflow_path, f"{target}/{WORKFLOW}", context,
                             positive, negative, shot_ir, width, height, checkpoint, options,
                             warnings)
        body = json.dumps(workflow, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    else:
        body = _text_form(target, shot_ir, clauses, joiner, negative_clauses, negative_joiner,
                          width, height, multiple, notes + warnings)
    return PromptResult(target=target, shot=shot_ir.name, positive=positive, negative=negative,
                        seed=shot_seed(shot_ir), width=width, height=height, text=body,
                        workflow=workflow, warnings=tuple(warnings))


def _workflow(env, path: Path, name: str, context, positive, negative, shot_ir, width,
              height, checkpoint, options, warnings) -> dict:
    values, problems = workflow_options(options)
    if problems:
        raise PromptError("E709", "; ".join(problems),
                          hint="options: steps, cfg, sampler_name, scheduler, denoise, "
                               "batch_size, filename_prefix")
    if checkpoint is None:
        checkpoint = CHECKPOINT_PLACEHOLDER
        warnings.append(f"W701: checkpoint left as {CHECKPOINT_PLACEHOLDER!r}; pass --checkpoint "
                        "NAME (a file in ComfyUI's models/checkpoints) or edit the workflow")
    elif not checkpoint.strip():
        raise PromptError("E709", "checkpoint name must not be empty")
    values.setdefault("filename_prefix", f"shotspec/{shot_ir.name}")
    variables = {**context, **values, "positive": positive, "negative": negative or "",
                 "seed": shot_seed(shot_ir), "width": width, "height": height,
                 "checkpoint": checkpoint}
    text, _ = _render(env, path, name, variables)
    try:
        workflow = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PromptError("E706", f"workflow template did not produce JSON: {exc.msg} "
                                  f"(line {exc.lineno} of the rendered output)",
                          file=str(path),
                          hint="write strings with the tojson filter, e.g. {{ positive|tojson }}"
                          ) from exc
    problems = check_workflow(workflow)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise PromptError("E706", f"invalid ComfyUI graph: {problems[0]}{more}", file=str(path),
                          hint="; ".join(problems[1:4]) or "links are [node_id, output_index] "
                               "and must name an existing node and output")
    return workflow


def _text_form(target, shot_ir, clauses, joiner, negative_clauses, negative_joiner, width,
               height, multiple, notes) -> str:
    """Clauses one per line, each ending with the joiner's punctuation, so pasting the block
    gives the same prompt as ``positive`` and a diff shows exactly which clause changed."""
    out = shot_ir.output
    size = f"{width}x{height}"
    if (width, height) != (out.width, out.height):
        size += f" (spec {out.width}x{out.height}, snapped to multiples of {multiple})"
    lines = [f"# shot: {shot_ir.name}", f"# target: {target}", f"# seed: {shot_seed(shot_ir)}",
             f"# size: {size}"]
    lines += [f"# {n}" if n.startswith("W7") else f"# note: {n}" for n in notes if n]
    lines += ["", "[prompt]", *_punctuate(clauses, joiner), "", "[negative prompt]"]
    if negative_clauses is None:
        lines.append("# none: this target does not use a negative prompt")
    else:
        lines += _punctuate(negative_clauses, negative_joiner)
    return "\n".join(lines) + "\n"


def _punctuate(clauses: list[str], joiner: str) -> list[str]:
    mark = joiner.rstrip()
    return [c + mark if i < len(clauses) - 1 and not c.endswith(mark or "\0") else c
            for i, c in enumerate(clauses)]
