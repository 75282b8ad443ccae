"""User template directories: override or add targets; broken templates point at file and line."""

from __future__ import annotations

import pytest

from shotspec.prompt import PromptError, available_targets, render_prompt


def write(base, rel, text):
    path = base / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_user_dir_adds_a_target_and_can_include_builtin_files(make_closeup, program_of, tmp_path):
    write(tmp_path, "midjourney/prompt.j2",
          '{% set joiner = ", " %}\n'
          "{{ camera.focal }} {{ camera.aperture }}\n"
          "{{ key.direction }}\n"
          "{{ size.aspect }}\n")
    write(tmp_path, "midjourney/negative.j2", "{% include 'sdxl/negative.j2' %}\n")
    assert available_targets(tmp_path)[-1] == "midjourney"
    result = render_prompt(program_of(make_closeup()), target="midjourney", template_dir=tmp_path)
    assert result.positive == "75mm f/1.8, 35° camera-right, above, 4:5"
    assert result.negative.startswith("airbrushed skin, plastic skin")
    assert (result.width, result.height) == (1024, 1280)


def test_user_file_overrides_only_that_file(make_closeup, program_of, tmp_path):
    write(tmp_path, "sdxl/prompt.j2", "{% set size_multiple = 64 %}my own {{ camera.focal }} tag\n")
    shot = program_of(make_closeup())
    mine = render_prompt(shot, target="sdxl", template_dir=tmp_path)
    builtin = render_prompt(shot, target="sdxl")
    assert mine.positive == "my own 75mm tag"
    assert mine.negative == builtin.negative                   # negative.j2 still built in
    # comfyui includes "sdxl/prompt.j2", so it follows the override too.
    assert render_prompt(shot, target="comfyui", template_dir=tmp_path).positive == "my own 75mm tag"


def test_syntax_error_names_file_and_line(make_closeup, program_of, tmp_path):
    path = write(tmp_path, "generic/prompt.j2",
                 "{{ camera.focal }}\n{{ camera.aperture }}\n{% if character %}\nno endif\n")
    with pytest.raises(PromptError) as err:
        render_prompt(program_of(make_closeup()), template_dir=tmp_path)
    e = err.value
    assert e.code == "E703" and e.file == str(path) and e.line == 4
    assert "endif" in e.message
    assert str(e).startswith(f"{path}:4:1: E703: template syntax error")


def test_unknown_filter_is_a_syntax_error_with_line(make_closeup, program_of, tmp_path):
    path = write(tmp_path, "generic/prompt.j2", "ok\n{{ camera.focal_length_mm|millimetres }}\n")
    with pytest.raises(PromptError) as err:
        render_prompt(program_of(make_closeup()), template_dir=tmp_path)
    assert (err.value.code, err.value.file, err.value.line) == ("E703", str(path), 2)


def test_undefined_variable_names_file_line_and_suggests(make_closeup, program_of, tmp_path):
    path = write(tmp_path, "generic/prompt.j2", "{{ camera.focal }}\n\n{{ camera.aperture }}\n"
                                                "{{ camera.focl }}\n")
    with pytest.raises(PromptError) as err:
        render_prompt(program_of(make_closeup()), template_dir=tmp_path)
    e = err.value
    assert e.code == "E704" and e.file == str(path) and e.line == 4
    assert "focl" in e.message
    assert "did you mean `focal`" in e.hint


def test_undefined_top_level_name_in_an_included_file(make_closeup, program_of, tmp_path):
    write(tmp_path, "generic/prompt.j2", "first\n{% include '_parts/lens.j2' %}\n")
    part = write(tmp_path, "_parts/lens.j2", "{{ camera.focal }}\n{{ lens }}\n")
    with pytest.raises(PromptError) as err:
        render_prompt(program_of(make_closeup()), template_dir=tmp_path)
    assert (err.value.code, err.value.file, err.value.line) == ("E704", str(part), 2)
    assert "'lens' is undefined" in err.value.message


def test_runtime_error_in_a_filter_is_E705_with_line(make_closeup, program_of, tmp_path):
    path = write(tmp_path, "generic/prompt.j2", "a\nb\n{{ camera.focal|num }}\n")
    with pytest.raises(PromptError) as err:
        render_prompt(program_of(make_closeup()), template_dir=tmp_path)
    assert (err.value.code, err.value.file, err.value.line) == ("E705", str(path), 3)


def test_workflow_template_that_is_not_json_is_E706(make_closeup, program_of, tmp_path):
    path = write(tmp_path, "comfyui/workflow.json.j2", '{"1": {"class_type": {{ positive }}}}\n')
    with pytest.raises(PromptError) as err:
        render_prompt(program_of(make_closeup()), target="comfyui", template_dir=tmp_path)
    assert err.value.code == "E706" and err.value.file == str(path)
    assert "tojson" in err.value.hint


def test_workflow_template_with_a_dangling_link_is_E706(make_closeup, program_of, tmp_path):
    write(tmp_path, "comfyui/workflow.json.j2",
          '{"7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], '
          '"filename_prefix": {{ filename_prefix|tojson }}}}}\n')
    with pytest.raises(PromptError) as err:
        render_prompt(program_of(make_closeup()), target="comfyui", template_dir=tmp_path)
    assert err.value.code == "E706"
    assert 'input "images" links to missing node "6"' in err.value.message


def test_missing_dir_folder_without_prompt_and_empty_prompt(make_closeup, program_of, tmp_path):
    program = program_of(make_closeup())
    with pytest.raises(PromptError) as err:
        render_prompt(program, template_dir=tmp_path / "nope")
    assert err.value.code == "E707"
    write(tmp_path, "mine/negative.j2", "x\n")
    with pytest.raises(PromptError) as err:
        render_prompt(program, template_dir=tmp_path)
    assert err.value.code == "E707" and "has no prompt.j2" in err.value.message
    write(tmp_path, "mine/prompt.j2", "{% if false %}x{% endif %}\n")
    with pytest.raises(PromptError) as err:
        render_prompt(program, target="mine", template_dir=tmp_path)
    assert err.value.code == "E708"
