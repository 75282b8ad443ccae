"""Hover and completion over stdio: the schema's docs, value origins, derived camera values,
colour swatches; keys, units, presets, characters, enum values, paths and ARKit shapes."""

from __future__ import annotations

import pytest
import pytest_asyncio
from lsprotocol import types as lsp

from tests.lsp.conftest import diagnostics, open_doc, position_of

SPEC = '''import "presets/lighting.shot"

character mara {
  seed 7
  skin {
    pores 0.8
  }
}

shot closeup {
  character mara
  camera {
    lens 85mm
    aperture f/2
    distance 0.75m
  }
  lighting {
    use loop
    rim spot {
      temperature 3200K
    }
  }
  output "out.png" {
    size 1024x1280
  }
}

shot wide extends closeup {
  camera {
    lens 50mm
  }
  output "wide.png"
}
'''


def spec_path(uri: str):
    from pathlib import Path
    from urllib.parse import urlparse, unquote

    return Path(unquote(urlparse(uri).path))


async def hover(client, uri, text, needle, offset=1) -> str:
    result = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=position_of(text, needle, offset)))
    assert result is not None, needle
    return result.contents.value


async def complete(client, uri, position) -> list[lsp.CompletionItem]:
    result = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=position))
    return result.items if isinstance(result, lsp.CompletionList) else result


@pytest_asyncio.fixture
async def spec(client, project):
    uri = open_doc(client, project / "hover.shot", SPEC)
    await diagnostics(client, uri)            # compiled (without errors: origins are known)
    return uri


@pytest.mark.asyncio
async def test_hover_on_a_key_gives_meaning_unit_range_default_and_origin(client, spec):
    text = await hover(client, spec, SPEC, "lens 85mm")
    assert "**`lens`** — focal length" in text
    assert "- unit: `mm`" in text
    assert "- range: 4…1200 mm (E204)" in text
    assert "- default: 0.085 m" in text
    assert "- set at: [hover.shot:13](file://" in text and "(shot)" in text


@pytest.mark.asyncio
async def test_hover_in_a_camera_gives_focus_limits_hyperfocal_fov_and_face_size(client, spec):
    text = await hover(client, spec, SPEC, "f/2")
    # 85mm f/2 at 0.75m on full frame, CoC 43.27mm / 1500 = 0.0288mm
    assert "in focus: 74.6cm … 75.4cm" in text
    assert "hyperfocal distance: 125.3m" in text
    assert "horizontal field of view: 23.9°" in text
    assert "fills 65% of it" in text


@pytest.mark.asyncio
async def test_hover_in_a_child_shot_reads_the_child_shot(client, spec):
    text = await hover(client, spec, SPEC, "lens 50mm")
    assert "hover.shot:30](file://" in text and "(shot)" in text
    assert "**camera** — 50mm f/2 at 75.0cm" in text        # the wide shot's own camera
    text = await hover(client, spec, SPEC, "temperature 3200K")
    assert "- unit: `K`" in text and "- range: 1000…40000 K" in text


@pytest.mark.asyncio
async def test_hover_says_when_a_later_preset_overrides_the_statement(client, project):
    text = ('preset wide camera {\n  lens 24mm\n}\n\nshot a {\n  camera {\n    lens 85mm\n'
            '    use wide\n  }\n  output "a.png"\n}\n')
    uri = open_doc(client, project / "override.shot", text)
    await diagnostics(client, uri, lambda ds: "W101" in [d.code for d in ds])
    shown = await hover(client, uri, text, "lens 85mm")
    assert "- overridden: shot `a` takes this value from [override.shot:2]" in shown
    assert "(preset wide)" in shown
    assert "**camera** — 24mm f/2" in shown


@pytest.mark.asyncio
async def test_hover_on_a_temperature_shows_its_swatch(client, spec):
    text = await hover(client, spec, SPEC, "3200K")
    assert "`#ffbe7a` — the colour of 3200 K light" in text
    assert "data:image/svg+xml;base64," in text


@pytest.mark.asyncio
async def test_hover_on_a_preset_name_says_where_it_is_defined(client, spec):
    text = await hover(client, spec, SPEC, "use loop", 5)
    assert text.startswith("**preset `loop`** — lighting preset, defined at presets/lighting.shot:6")
    assert "Loop: key 30-45deg off axis" in text


@pytest.mark.asyncio
async def test_completion_of_presets_units_keys_and_values(client, spec):
    labels = [i.label for i in await complete(client, spec, position_of(SPEC, "loop", 4))]
    assert {"loop", "rembrandt", "butterfly"} <= set(labels)
    lights = [i.label for i in await complete(client, spec, position_of(SPEC, "rim spot", 1))]
    assert lights[0] == "use" and {"key", "fill", "rim"} <= set(lights)
    typed = SPEC.replace("lens 85mm", "lens 85")
    uri = open_doc(client, spec_path(spec).with_name("typing.shot"), typed)
    items = await complete(client, uri, position_of(typed, "lens 85", 7))   # after "85"
    assert [i.label for i in items] == ["85mm", "85cm", "85m"]
    assert items[0].text_edit.new_text == "85mm"
    assert "- range: 4…1200 mm (E204)" in items[0].documentation.value     # the hover's docs
    keys = {i.label: i for i in await complete(client, spec, position_of(SPEC, "aperture", 3))}
    assert {"lens", "aperture", "distance", "focus", "sensor"} <= set(keys)
    doc = keys["distance"].documentation.value
    assert doc.startswith("**`distance`** — camera to the eye plane")
    assert doc in await hover(client, spec, SPEC, "distance 0.75m")        # the hover's own text


@pytest.mark.asyncio
async def test_completion_of_names_enums_paths_and_shapes(client, project):
    text = ('import "presets/"\ncharacter mara {\n  expression {\n    mouthS\n  }\n}\n'
            'shot a extends \nshot b {\n  character \n  finish {\n    tonemap \n'
            '    grade "luts/"\n  }\n}\n')
    uri = open_doc(client, project / "complete.shot", text)

    async def labels(needle, offset):
        return [i.label for i in await complete(client, uri, position_of(text, needle, offset))]

    assert {"lighting.shot", "expressions.shot"} <= set(await labels('presets/"', 8))
    assert {"mouthSmile_L", "mouthSmile_R", "smile", "jawOpen"} <= set(await labels("mouthS", 6))
    assert "b" in await labels("extends ", 8)
    assert await labels("character \n", 10) == ["mara"]
    assert {"agx", "aces", "filmic"} <= set(await labels("tonemap ", 8))
    assert set(await labels('luts/"', 5)) == {"soft_contrast.cube", "teal_orange.cube"}
