"""ComfyUI's API ("prompt") format: the core node classes shotspec emits and a graph checker.

An API-format workflow is a JSON object of nodes keyed by string id, each
``{"class_type": ..., "inputs": {...}}``; an input that is a link is ``[source_id, output_index]``.
POST ``{"prompt": <workflow>}`` to a server's ``/prompt`` to queue it.

``CORE_NODES`` lists, for the core classes of ComfyUI's ``nodes.py``, each required input with its
type and the types of the outputs by index. Link-typed inputs (MODEL, CLIP, ...) must be links to
an output of that type; widget inputs (INT, FLOAT, STRING, COMBO) hold literal values.
``check_workflow`` reports every problem so a custom workflow template can be fixed in one go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

__all__ = [
    "NodeSpec", "CORE_NODES", "OUTPUT_NODES", "WIDGET_TYPES", "WORKFLOW_DEFAULTS",
    "CHECKPOINT_PLACEHOLDER", "check_workflow", "workflow_options",
]

CHECKPOINT_PLACEHOLDER = "SET-YOUR-CHECKPOINT.safetensors"
SEED_MAX = 0xFFFFFFFFFFFFFFFF            # KSampler's seed range is 0 … 2**64 − 1
WIDGET_TYPES = frozenset({"INT", "FLOAT", "STRING", "COMBO"})


@dataclass(frozen=True)
class NodeSpec:
    """Required inputs (name → type) and output types (by index) of a node class."""

    inputs: Mapping[str, str]
    outputs: tuple[str, ...]


CORE_NODES: dict[str, NodeSpec] = {
    "CheckpointLoaderSimple": NodeSpec({"ckpt_name": "COMBO"}, ("MODEL", "CLIP", "VAE")),
    "CLIPTextEncode": NodeSpec({"text": "STRING", "clip": "CLIP"}, ("CONDITIONING",)),
    "EmptyLatentImage": NodeSpec({"width": "INT", "height": "INT", "batch_size": "INT"},
                                 ("LATENT",)),
    "KSampler": NodeSpec(
        {"model": "MODEL", "seed": "INT", "steps": "INT", "cfg": "FLOAT", "sampler_name": "COMBO",
         "scheduler": "COMBO", "positive": "CONDITIONING", "negative": "CONDITIONING",
         "latent_image": "LATENT", "denoise": "FLOAT"},
        ("LATENT",)),
    "VAEDecode": NodeSpec({"samples": "LATENT", "vae": "VAE"}, ("IMAGE",)),
    "SaveImage": NodeSpec({"images": "IMAGE", "filename_prefix": "STRING"}, ()),
    # Further core classes a custom workflow template commonly adds.
    "PreviewImage": NodeSpec({"images": "IMAGE"}, ()),
    "VAELoader": NodeSpec({"vae_name": "COMBO"}, ("VAE",)),
    "CLIPSetLastLayer": NodeSpec({"clip": "CLIP", "stop_at_clip_layer": "INT"}, ("CLIP",)),
    "LoraLoader": NodeSpec({"model": "MODEL", "clip": "CLIP", "lora_name": "COMBO",
                            "strength_model": "FLOAT", "strength_clip": "FLOAT"},
                           ("MODEL", "CLIP")),
}
OUTPUT_NODES = frozenset({"SaveImage", "PreviewImage"})

# KSampler settings for an SDXL-class checkpoint; each can be overridden (see workflow_options).
WORKFLOW_DEFAULTS: dict[str, Any] = {
    "steps": 30, "cfg": 6.0, "sampler_name": "dpmpp_2m", "scheduler": "karras",
    "denoise": 1.0, "batch_size": 1,
}
_OPTION_TYPES = {"steps": int, "cfg": float, "sampler_name": str, "scheduler": str,
                 "denoise": float, "batch_size": int, "filename_prefix": str}
_OPTION_RANGES = {"steps": (1, 10000), "cfg": (0.0, 100.0), "denoise": (0.0, 1.0),
                  "batch_size": (1, 64)}


def workflow_options(options: Mapping[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """Defaults updated by ``options`` (strings from a command line are converted).

    Returns ``(values, problems)``; each problem is one sentence naming the option.
    """
    values = dict(WORKFLOW_DEFAULTS)
    problems: list[str] = []
    for name, raw in sorted((options or {}).items()):
        kind = _OPTION_TYPES.get(name)
        if kind is None:
            problems.append(f"unknown option {name!r}")
            continue
        try:
            if kind is int and (isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer())):
                raise ValueError
            value = kind(raw)
        except (TypeError, ValueError):
            problems.append(f"option {name!r} must be {kind.__name__}, got {raw!r}")
            continue
        if kind is str and not value.strip():
            problems.append(f"option {name!r} must not be empty")
            continue
        lo_hi = _OPTION_RANGES.get(name)
        if lo_hi and not lo_hi[0] <= value <= lo_hi[1]:
            problems.append(f"option {name!r} = {raw!r} is outside {lo_hi[0]}…{lo_hi[1]}")
            continue
        values[name] = value
    return values, problems


def _is_link(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], int) and not isinstance(value[1], bool))


def _widget_ok(kind: str, value: Any) -> bool:
    if kind == "INT":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "FLOAT":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, str)


def _check_node(node_id: str, node: Any, workflow: dict) -> list[str]:
    if not isinstance(node, dict) or not isinstance(node.get("class_type"), str) \
            or not isinstance(node.get("inputs"), dict):
        return [f'node "{node_id}" must be an object with "class_type" (string) and "inputs" (object)']
    cls = node["class_type"]
    spec = CORE_NODES.get(cls)
    where = f'node "{node_id}" ({cls})'
    problems = []
    for name, value in sorted(node["inputs"].items()):
        if not _is_link(value):
            continue
        src_id, index = value
        source = workflow.get(src_id)
        if not isinstance(source, dict):
            problems.append(f'{where} input "{name}" links to missing node "{src_id}"')
            continue
        src_spec = CORE_NODES.get(source.get("class_type"))
        if index < 0 or (src_spec is not None and index >= len(src_spec.outputs)):
            problems.append(f'{where} input "{name}" links to output {index} of node "{src_id}" '
                            f'({source.get("class_type")}), which does not exist')
            continue
        wanted = spec.inputs.get(name) if spec else None
        if src_spec is not None and wanted is not None and wanted not in WIDGET_TYPES \
                and src_spec.outputs[index] != wanted:
            problems.append(f'{where} input "{name}" needs {wanted} but node "{src_id}" output '
                            f'{index} is {src_spec.outputs[index]}')
    if spec is None:
        return problems
    for name, kind in spec.inputs.items():
        if name not in node["inputs"]:
            problems.append(f'{where} is missing required input "{name}"')
            continue
        value = node["inputs"][name]
        if kind not in WIDGET_TYPES:
            if not _is_link(value):
                problems.append(f'{where} input "{name}" must be a link [node_id, output_index]')
        elif not _is_link(value) and not _widget_ok(kind, value):
            problems.append(f'{where} input "{name}" must be {kind}, got {value!r}')
    problems += _check_ranges(where, cls, node["inputs"])
    return problems


def _check_ranges(where: str, cls: str, inputs: dict) -> list[str]:
    problems = []
    seed = inputs.get("seed")
    if cls == "KSampler" and _widget_ok("INT", seed) and not 0 <= seed <= SEED_MAX:
        problems.append(f"{where} seed {seed} is outside KSampler's range 0…{SEED_MAX}")
    if cls == "EmptyLatentImage":
        for name in ("width", "height"):
            v = inputs.get(name)
            if _widget_ok("INT", v) and (v < 16 or v % 8):
                problems.append(f"{where} {name} {v} must be at least 16 and a multiple of 8")
    return problems


def _cycle(workflow: dict) -> str | None:
    state: dict[str, int] = {}

    def visit(node_id: str) -> str | None:
        state[node_id] = 1
        node = workflow[node_id]
        for value in node.get("inputs", {}).values() if isinstance(node, dict) else ():
            if _is_link(value) and value[0] in workflow:
                if state.get(value[0]) == 1:
                    return value[0]
                if value[0] not in state and (found := visit(value[0])):
                    return found
        state[node_id] = 2
        return None

    for node_id in sorted(workflow):
        if node_id not in state and (found := visit(node_id)):
            return found
    return None


def check_workflow(workflow: Any) -> list[str]:
    """Every problem that would make ComfyUI reject ``workflow``; ``[]`` when it is valid."""
    if not isinstance(workflow, dict) or not workflow:
        return ["the workflow must be a non-empty JSON object of nodes keyed by id"]
    problems = []
    for node_id in sorted(workflow):
        problems += _check_node(node_id, workflow[node_id], workflow)
    classes = [n.get("class_type") for n in workflow.values() if isinstance(n, dict)]
    if classes and all(c in CORE_NODES and c not in OUTPUT_NODES for c in classes):
        problems.append("the graph has no output node (SaveImage or PreviewImage)")
    if not problems and (node_id := _cycle(workflow)):
        problems.append(f'the graph has a cycle through node "{node_id}"')
    return problems
