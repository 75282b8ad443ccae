"""The ComfyUI export is a valid API-format graph of core nodes, ready to POST to /prompt.

``NODES_PY`` below is written out independently from ComfyUI's nodes.py (INPUT_TYPES "required"
and RETURN_TYPES of each class), so a mistake in shotspec's own table cannot hide here.
"""

from __future__ import annotations

import json

import pytest

from shotspec.prompt import CHECKPOINT_PLACEHOLDER, PromptError, check_workflow, render_prompt

NODES_PY = {
    "CheckpointLoaderSimple": ({"ckpt_name"}, ("MODEL", "CLIP", "VAE")),
    "CLIPTextEncode": ({"text", "clip"}, ("CONDITIONING",)),
    "EmptyLatentImage": ({"width", "height", "batch_size"}, ("LATENT",)),
    "KSampler": ({"model", "seed", "steps", "cfg", "sampler_name", "scheduler", "positive",
                  "negative", "latent_image", "denoise"}, ("LATENT",)),
    "VAEDecode": ({"samples", "vae"}, ("IMAGE",)),
    "SaveImage": ({"images", "filename_prefix"}, ()),
}
LINK_INPUT_TYPES = {"clip": "CLIP", "model": "MODEL", "positive": "CONDITIONING",
                    "negative": "CONDITIONING", "latent_image": "LATENT", "samples": "LATENT",
                    "vae": "VAE", "images": "IMAGE"}


@pytest.fixture
def result(make_closeup, program_of):
    return render_prompt(program_of(make_closeup()), target="comfyui",
                         checkpoint="sd_xl_base_1.0.safetensors")


def test_every_link_points_at_an_existing_output_of_the_right_type(result):
    graph = result.workflow
    assert {n["class_type"] for n in graph.values()} == set(NODES_PY)
    links = 0
    for node_id, node in graph.items():
        required, _ = NODES_PY[node["class_type"]]
        assert set(node["inputs"]) == required, node_id
        for name, value in node["inputs"].items():
            if isinstance(value, list):
                src, index = value
                assert src in graph, f"{node_id}.{name} → missing node {src}"
                outputs = NODES_PY[graph[src]["class_type"]][1]
                assert 0 <= index < len(outputs)
                assert outputs[index] == LINK_INPUT_TYPES[name]
                links += 1
    assert links == 9     # clip ×2, model, positive, negative, latent_image, samples, vae, images
    assert check_workflow(graph) == []


def test_prompt_seed_size_and_checkpoint_are_in_the_graph(result):
    g = result.workflow
    by_class = {n["class_type"]: n for n in g.values()}
    sampler = by_class["KSampler"]["inputs"]
    assert g[sampler["positive"][0]]["inputs"]["text"] == result.positive
    assert g[sampler["negative"][0]]["inputs"]["text"] == result.negative
    assert sampler["seed"] == 1842
    assert (sampler["steps"], sampler["cfg"], sampler["sampler_name"], sampler["scheduler"],
            sampler["denoise"]) == (30, 6.0, "dpmpp_2m", "karras", 1.0)
    latent = by_class["EmptyLatentImage"]["inputs"]
    assert (latent["width"], latent["height"], latent["batch_size"]) == (1024, 1280, 1)
    assert by_class["CheckpointLoaderSimple"]["inputs"]["ckpt_name"] == "sd_xl_base_1.0.safetensors"
    assert by_class["SaveImage"]["inputs"]["filename_prefix"] == "shotspec/closeup"
    assert result.warnings == ()


def test_text_is_sorted_pretty_json_that_posts_as_prompt(result):
    assert result.text == json.dumps(result.workflow, indent=2, sort_keys=True,
                                     ensure_ascii=False) + "\n"
    body = json.dumps({"prompt": json.loads(result.text)})       # what a client POSTs to /prompt
    assert json.loads(body)["prompt"]["5"]["class_type"] == "KSampler"


def test_placeholder_checkpoint_warns(make_closeup, program_of):
    result = render_prompt(program_of(make_closeup()), target="comfyui")
    assert result.workflow["1"]["inputs"]["ckpt_name"] == CHECKPOINT_PLACEHOLDER
    assert len(result.warnings) == 1 and result.warnings[0].startswith("W701")


def test_options_override_sampler_defaults_and_strings_are_converted(make_closeup, program_of):
    result = render_prompt(program_of(make_closeup()), target="comfyui", checkpoint="x.ckpt",
                           options={"steps": "40", "cfg": "4.5", "sampler_name": "euler",
                                    "scheduler": "normal", "filename_prefix": "mara/closeup"})
    inputs = result.workflow["5"]["inputs"]
    assert (inputs["steps"], inputs["cfg"], inputs["sampler_name"], inputs["scheduler"]) == \
        (40, 4.5, "euler", "normal")
    assert result.workflow["7"]["inputs"]["filename_prefix"] == "mara/closeup"


@pytest.mark.parametrize("options, fragment", [
    ({"stpes": 20}, "unknown option 'stpes'"),
    ({"steps": "many"}, "option 'steps' must be int"),
    ({"cfg": 500}, "outside 0.0…100.0"),
])
def test_bad_options_are_E709(make_closeup, program_of, options, fragment):
    with pytest.raises(PromptError) as err:
        render_prompt(program_of(make_closeup()), target="comfyui", options=options)
    assert err.value.code == "E709" and fragment in err.value.message


def test_prompt_text_with_quotes_and_newlines_stays_valid_json(make_closeup, program_of, tmp_path):
    (tmp_path / "comfyui").mkdir()
    (tmp_path / "comfyui" / "prompt.j2").write_text(
        '{% set size_multiple = 64 %}a "quoted" clause with a back\\slash\nsecond </script> line\n')
    result = render_prompt(program_of(make_closeup()), target="comfyui", template_dir=tmp_path)
    assert result.workflow["2"]["inputs"]["text"] == \
        'a "quoted" clause with a back\\slash, second </script> line'


def test_checker_reports_broken_graphs():
    good = {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}},
        "2": {"class_type": "VAEDecode", "inputs": {"samples": ["9", 0], "vae": ["1", 3]}},
        "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0]}},
        "4": {"class_type": "CLIPTextEncode", "inputs": {"text": "x", "clip": ["1", 0]}},
    }
    problems = check_workflow(good)
    assert 'node "2" (VAEDecode) input "samples" links to missing node "9"' in problems
    assert any("output 3 of node \"1\"" in p for p in problems)
    assert 'node "3" (SaveImage) is missing required input "filename_prefix"' in problems
    assert 'node "4" (CLIPTextEncode) input "clip" needs CLIP but node "1" output 0 is MODEL' \
        in problems
    assert check_workflow({"1": {"class_type": "CheckpointLoaderSimple",
                                 "inputs": {"ckpt_name": "m"}}}) == \
        ["the graph has no output node (SaveImage or PreviewImage)"]
    assert any("seed -1" in p for p in check_workflow({
        "1": {"class_type": "KSampler", "inputs": {"seed": -1}}}))
