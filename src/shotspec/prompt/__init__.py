"""Prompt export: a shot's camera, lights, skin and finish as a prompt for an image generator.

``render_prompt(program, shot=..., target=...)`` renders one shot of a compiled ``ProgramIR``
through the jinja2 templates of a target (generic, flux, sdxl, comfyui, or a user's own), so the
words a generator is given and the image shotspec finishes never drift apart. See docs/prompt.md.
"""

from shotspec.prompt.comfyui import CHECKPOINT_PLACEHOLDER, CORE_NODES, check_workflow
from shotspec.prompt.errors import PromptError
from shotspec.prompt.render import (
    BUILTIN_TEMPLATES, TARGETS, PromptResult, available_targets, render_prompt,
)
from shotspec.prompt.vocabulary import shot_context

__all__ = [
    "render_prompt", "PromptResult", "PromptError", "TARGETS", "available_targets",
    "BUILTIN_TEMPLATES", "CHECKPOINT_PLACEHOLDER", "CORE_NODES", "check_workflow", "shot_context",
]
