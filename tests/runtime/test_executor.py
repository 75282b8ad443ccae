"""The executor: cache hits by content key, events, memory refusal, disk cache, errors."""

from __future__ import annotations

import pytest
import torch

from shotspec.compiler.ir import (CharacterIR, GrainPass, LightIR, OutputIR, ProgramIR, ShotIR,
                                  TonemapPass)
from shotspec.compiler.plan import build_plan
from shotspec.runtime import ops as ops_module
from shotspec.runtime.cache import FrameCache
from shotspec.runtime.errors import RenderError
from shotspec.runtime.executor import Executor
from shotspec.runtime.frame import Frame, FrameMeta


def _program(grain: float = 0.3, azimuth: float = 0.5) -> ProgramIR:
    shot = ShotIR(name="s", character=CharacterIR(name="c", seed=1),
                  lights=(LightIR(name="key", kind="area", key=True, azimuth_rad=azimuth),),
                  finish=(GrainPass(strength=grain), TonemapPass()),
                  output=OutputIR(path="/nonexistent/s.png", width=32, height=24))
    return ProgramIR(file="/tmp/x.shot", shots=(shot,))


@pytest.fixture
def fake_ops(monkeypatch):
    """Replace every op with a cheap deterministic one that records calls."""
    calls: list[str] = []

    def make(name):
        def op(inputs, params, ctx):
            calls.append(name)
            if name == "mesh":                      # the source op: a stand-in mesh frame
                return Frame(rgb=torch.zeros(1, 3, 1, 4), meta=FrameMeta())
            if name == "geometry":                  # the mesh seen at the render size
                return Frame(rgb=torch.zeros(1, 3, params.height, params.width), meta=FrameMeta())
            base = inputs[0]
            g = ctx.generator()
            return base.with_rgb(base.rgb + 0.01 * torch.rand(base.rgb.shape, generator=g))
        return op

    for name in list(ops_module.OPS):
        monkeypatch.setitem(ops_module.OPS, name, make(name))
    return calls


def test_second_run_is_served_from_cache(fake_ops):
    ex = Executor(device="cpu")
    plan = build_plan(_program())
    first = ex.run(plan)
    assert [n.op for n in first.ran] == ["mesh", "groom", "geometry", "shade", "lens", "grain",
                                         "tonemap", "output"]
    second = ex.run(plan)
    assert [n.op for n in second.ran] == ["output"]
    assert torch.equal(first.frames["s"].rgb, second.frames["s"].rgb)


def test_an_edit_reruns_only_changed_keys(fake_ops):
    ex = Executor(device="cpu")
    ex.run(build_plan(_program()))
    fake_ops.clear()
    report = ex.run(build_plan(_program(grain=0.6)))
    assert [n.op for n in report.ran] == ["grain", "tonemap", "output"]
    assert [n.op for n in report.cached] == ["mesh", "groom", "geometry", "shade", "lens"]
    report = ex.run(build_plan(_program(grain=0.6, azimuth=-0.5)))
    assert [n.op for n in report.ran] == ["shade", "lens", "grain", "tonemap", "output"]
    assert [n.op for n in report.cached] == ["mesh", "groom", "geometry"]


def test_events_report_every_node(fake_ops):
    events = []
    Executor(device="cpu", on_event=events.append).run(build_plan(_program()))
    kinds = [(e.kind, e.node.op) for e in events]
    assert kinds[0] == ("start", "mesh") and kinds[-1] == ("done", "output")
    assert all(e.total == 8 for e in events)
    assert all(e.seconds >= 0 for e in events if e.kind == "done")


def test_seeded_generators_are_deterministic(fake_ops):
    a = Executor(device="cpu").run(build_plan(_program())).frames["s"].rgb
    b = Executor(device="cpu").run(build_plan(_program())).frames["s"].rgb
    assert torch.equal(a, b)


def test_memory_refusal_is_a_diagnostic(fake_ops):
    ex = Executor(device="cpu", memory_limit_bytes=1024)
    with pytest.raises(RenderError) as info:
        ex.run(build_plan(_program()))
    assert info.value.code == "E501"
    assert "GiB" in info.value.message and "size" in info.value.hint
    assert fake_ops == []          # refused before anything ran


def test_disk_cache_survives_a_new_executor(fake_ops, tmp_path):
    plan = build_plan(_program())
    Executor(device="cpu", cache=FrameCache(disk_dir=tmp_path)).run(plan)
    fake_ops.clear()
    report = Executor(device="cpu", cache=FrameCache(disk_dir=tmp_path)).run(plan)
    assert [n.op for n in report.ran] == ["output"]
    assert not list(tmp_path.rglob(".tmp-*"))


def test_corrupt_disk_entry_is_a_miss(fake_ops, tmp_path):
    plan = build_plan(_program())
    Executor(device="cpu", cache=FrameCache(disk_dir=tmp_path)).run(plan)
    for f in tmp_path.rglob("*.pt"):
        f.write_bytes(b"garbage")
    fake_ops.clear()
    report = Executor(device="cpu", cache=FrameCache(disk_dir=tmp_path)).run(plan)
    assert {"mesh", "geometry"} <= {n.op for n in report.ran}


def test_memory_cache_is_bounded():
    cache = FrameCache(max_bytes=3 * 4 * 10 * 10 * 2)
    for i in range(5):
        cache.put(str(i), Frame(rgb=torch.zeros(1, 3, 10, 10)))
    assert cache.keys() == ["3", "4"]


def test_unknown_op_is_reported(monkeypatch, fake_ops):
    monkeypatch.delitem(ops_module.OPS, "lens")
    with pytest.raises(RenderError) as info:
        Executor(device="cpu").run(build_plan(_program()))
    assert info.value.code == "E590" and "lens" in info.value.message


def _spanned_program() -> ProgramIR:
    from shotspec.compiler.ir import Span

    grain_at = Span(file="/tmp/x.shot", line=7, col=3, end_line=7, end_col=20)
    shot = _program().shots[0]
    return ProgramIR(file="/tmp/x.shot", shots=(shot.model_copy(update={
        "finish": (GrainPass(strength=0.3, span=grain_at), TonemapPass())}),))


def test_an_image_error_in_an_op_points_at_the_spec_construct(monkeypatch, fake_ops):
    """Any layer's ShotspecError is passed on with the node's span filled in; no translation
    by class."""
    from shotspec.runtime.io import ImageError

    def unreadable(inputs, params, ctx):
        raise ImageError("/tmp/grain.png", "corrupt or truncated PNG file", "re-export it")

    monkeypatch.setitem(ops_module.OPS, "grain", unreadable)
    with pytest.raises(ImageError) as info:
        Executor(device="cpu").run(build_plan(_spanned_program()))
    (diag,) = info.value.diagnostics
    assert diag.code == "E520" and diag.message == "cannot read /tmp/grain.png: corrupt or truncated PNG file"
    assert (diag.span.file, diag.span.line) == ("/tmp/x.shot", 7) and diag.file == "/tmp/grain.png"
    assert diag.help == "re-export it"


def test_an_unforeseen_exception_is_not_dressed_up_as_a_diagnostic(monkeypatch, fake_ops):
    def broken(inputs, params, ctx):
        raise IndexError("bug")

    monkeypatch.setitem(ops_module.OPS, "grain", broken)
    with pytest.raises(IndexError):           # the CLI reports it as an internal error (exit 3)
        Executor(device="cpu").run(build_plan(_spanned_program()))


def test_the_memory_estimate_reads_the_plate_size():
    from pathlib import Path

    from shotspec.compiler import compile_file
    from shotspec.runtime.memory import _pixels

    spec = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs" / "examples" / "plate.shot"
    plan = build_plan(compile_file(spec).program)
    pixels = {nid.split(":")[-1]: n for nid, n in _pixels(plan).items()}
    assert pixels["plate"] == 96 * 120            # the example plate's header, not a guess
    assert pixels["upscale"] == 4 * 96 * 120
