"""Click-to-jump on a real (tiny) render of the head: the face, a light's catchlight and the
focus point each report the block that controls them; the background reports nothing."""

from __future__ import annotations

import pytest

from shotspec.preview.frames import PreviewRenderer
from shotspec.preview.locate import focus_points, locate

SPEC = """\
character mara {
  seed 1842
  eyes hazel
}

shot closeup {
  character mara
  camera { lens 85mm; aperture f/2.8; distance 0.75m; focus mara.eyes }
  lighting {
    key area { azimuth -35deg; elevation 25deg; distance 1.2m; size 0.6m; key }
    fill area { azimuth 40deg; elevation 10deg; distance 1.5m; size 1m }
  }
  finish { tonemap aces }
  output "out/closeup.png" { size 64x80 }
}
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    spec = tmp_path_factory.mktemp("head") / "closeup.shot"
    spec.write_text(SPEC)
    renderer = PreviewRenderer(spec, device="cpu")
    build = renderer.compile()
    assert build.ok, build.diagnostics
    views, _ = renderer.render(build.program, low_res=False)
    return views[0], build.program.characters


def _grid(view, characters):
    hit = view.hit
    h, w = hit.masks["subject"].shape
    return {(x, y): locate(hit, (x + 0.5) / w, (y + 0.5) / h, characters)
            for y in range(h) for x in range(w)}


def test_face_focus_and_catchlights_find_their_blocks(rendered):
    view, characters = rendered
    found = _grid(view, characters)
    faces = [r for r in found.values() if r["what"] == "face"]
    assert len(faces) > 0.15 * len(found)
    assert {(r["span"]["line"], r["span"]["col"]) for r in faces} == {(1, 1)}   # `character mara {`
    lights = {r["name"]: r["span"]["line"] for r in found.values() if r["what"] == "light"}
    assert lights.get("key") == 10                                         # a catchlight of the key
    assert set(lights) <= {"key", "fill"} and all(line in (10, 11) for line in lights.values())
    nothing = [xy for xy, r in found.items() if r["what"] == "nothing"]
    assert (0, 0) in nothing and (63, 0) in nothing                       # the backdrop's corners


def test_the_focus_point_is_on_each_eye(rendered):
    view, characters = rendered
    points = focus_points(view.hit)
    assert len(points) == 2                                       # `focus mara.eyes`: one per eye
    (lu, lv), (ru, rv) = sorted(points)
    assert 0.3 < lu < 0.5 < ru < 0.7 and abs(lv - rv) < 0.05
    for u, v in points:
        eyes = view.hit.masks["eyes"]
        h, w = eyes.shape
        assert eyes[int(v * h) - 2:int(v * h) + 3, int(u * w) - 2:int(u * w) + 3].max() > 0.5
        where = locate(view.hit, u, v + 2.5 / h, characters)      # just below the catchlights
        assert where["what"] == "focus" and where["name"] == "eyes"
        assert (where["span"]["line"], where["span"]["col"]) == (8, 55)   # the `focus` statement


def test_each_pass_has_a_before_and_after_image(rendered):
    view, _ = rendered
    assert [s.name for s in view.stages] == ["lens", "tonemap"]
    assert [s.pixels.shape for s in view.stages] == [(80, 64, 3)] * 2
    assert view.stages[1].span["line"] == 13
    assert (view.stages[0].pixels != view.stages[1].pixels).any()
