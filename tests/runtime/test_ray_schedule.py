"""Distributed scheduling without Ray: which tasks a plan splits into, what each runs, resume,
plans that cross process boundaries, and the CLI's errors when Ray cannot be used."""

from __future__ import annotations

import pickle
import sys

import pytest
import torch

from shotspec.compiler.ir import (CharacterIR, GrainPass, LightIR, OutputIR, ProgramIR, ShotIR,
                                  TonemapPass)
from shotspec.compiler.plan import Plan, build_plan
from shotspec.runtime import ops as ops_module
from shotspec.runtime.cache import FrameCache
from shotspec.runtime.distributed.schedule import (finished_targets, plan_tasks, portable_plan,
                                                   subplan, typed_plan)
from shotspec.runtime.distributed import worker as worker_module
from shotspec.runtime.distributed.worker import run_task
from shotspec.runtime.executor import Executor
from shotspec.runtime.frame import Frame, FrameMeta


def _shot(name: str, tmp, grain: float = 0.3, azimuth: float = 0.5) -> ShotIR:
    return ShotIR(name=name, character=CharacterIR(name="c", seed=1),
                  lights=(LightIR(name="key", kind="area", key=True, azimuth_rad=azimuth),),
                  finish=(GrainPass(strength=grain), TonemapPass()),
                  output=OutputIR(path=str(tmp / f"{name}.png"), width=32, height=24))


def _plan(tmp) -> Plan:
    """s1 and s2 differ in grain only (they share everything up to the lens); s3 is lit from
    elsewhere (it shares the geometry only)."""
    shots = (_shot("s1", tmp), _shot("s2", tmp, grain=0.6), _shot("s3", tmp, azimuth=-0.7))
    return build_plan(ProgramIR(file=str(tmp / "x.shot"), shots=shots))


def _ops(plan: Plan, ids) -> list[str]:
    return [plan.nodes[i].op for i in ids]


@pytest.fixture
def fake_ops(monkeypatch):
    """Cheap deterministic ops that record each call; the real `output` op (it writes files)."""
    calls: list[str] = []

    def make(name):
        def op(inputs, params, ctx):
            calls.append(ctx.node_key)
            if name == "mesh":
                return Frame(rgb=torch.zeros(1, 3, 1, 4), meta=FrameMeta())
            if name == "geometry":
                return Frame(rgb=torch.zeros(1, 3, params.height, params.width), meta=FrameMeta())
            base = inputs[0]
            return base.with_rgb(base.rgb + 0.01 * torch.rand(base.rgb.shape, generator=ctx.generator()))
        return op

    for name in list(ops_module.OPS):
        if name != "output":
            monkeypatch.setitem(ops_module.OPS, name, make(name))
    monkeypatch.setattr(worker_module, "_MEMORY", [])        # no frames of the real ops
    return calls


def test_shared_nodes_are_computed_by_one_task_that_the_targets_wait_for(tmp_path):
    plan = _plan(tmp_path)
    tasks = {t.id: t for t in plan_tasks(plan, lambda key: False)}
    heads = [t for t in tasks.values() if t.is_head]
    assert [_ops(plan, t.computes) for t in heads] == [["mesh", "groom", "geometry"],
                                                       ["shade", "lens"]]
    geometry, lens = heads
    assert lens.after == (geometry.id,)
    s1, s2, s3 = (tasks[plan.outputs[s]] for s in ("s1", "s2", "s3"))
    assert _ops(plan, s1.computes) == ["grain", "tonemap", "output"] and s1.after == (lens.id,)
    assert s2.after == (lens.id,)
    assert _ops(plan, s3.computes) == ["shade", "lens", "grain", "tonemap", "output"]
    assert s3.after == (geometry.id,)
    computed = [nid for t in tasks.values() for nid in t.computes]
    assert sorted(computed) == sorted(plan.nodes)            # every node once, none twice
    assert _ops(plan, geometry.shares) == ["mesh", "groom", "geometry"]   # shade reads all three
    assert _ops(plan, lens.shares) == ["lens"] and s1.shares == s3.shares == ()


def test_cached_and_finished_work_is_not_scheduled(tmp_path):
    plan = _plan(tmp_path)
    lens_key = next(n.key for n in plan.nodes.values() if n.op == "lens" and "s1" in n.shots)
    geometry_key = next(n.key for n in plan.nodes.values() if n.op == "geometry")
    tasks = plan_tasks(plan, lambda key: key in (lens_key, geometry_key), skip={"s2"})
    assert [t.target for t in tasks] == ["s1", "s3"]         # no head: what they share is cached
    assert _ops(plan, tasks[0].computes) == ["grain", "tonemap", "output"]
    assert tasks[0].after == () and tasks[1].after == ()


def test_a_subplan_stops_at_cached_nodes_and_keeps_them_without_inputs(tmp_path):
    plan = _plan(tmp_path)
    out = plan.outputs["s1"]
    lens_id = next(n.id for n in plan.nodes.values() if n.op == "lens" and "s1" in n.shots)
    sub = subplan(plan, out, lambda key: key == plan.nodes[lens_id].key)
    assert _ops(sub, sub.nodes) == ["lens", "grain", "tonemap", "output"]
    assert sub.nodes[lens_id].inputs == () and sub.outputs == {"s1": out}
    assert list(subplan(plan, lens_id, lambda key: True).nodes) == [lens_id]


def test_tasks_run_in_order_compute_each_node_once_and_match_the_local_executor(tmp_path, fake_ops):
    plan = _plan(tmp_path)
    local = Executor(device="cpu").run(plan)
    local_files = {s: (tmp_path / f"{s}.png").read_bytes() for s in plan.outputs}
    fake_ops.clear()
    cache_dir = str(tmp_path / "cache")
    tasks = plan_tasks(plan, FrameCache(0, disk_dir=cache_dir).__contains__)
    results = [run_task(plan, t.root, cache_dir=cache_dir, device="cpu", provenance={},
                        output_paths={}, task_id=t.id, keep_frame=True, shares=t.shares)
               for t in tasks]
    non_output = [n.key for n in plan.nodes.values() if n.op != "output"]
    assert sorted(fake_ops) == sorted(non_output)            # each node computed exactly once
    on_disk = sorted(p.stem for p in (tmp_path / "cache").rglob("*.pt"))
    assert on_disk == sorted(plan.nodes[nid].key for t in tasks for nid in t.shares)
    for result in results:
        if result.frame is not None:
            target = next(iter(result.written))
            assert torch.equal(result.frame.rgb, local.frames[target].rgb)
            assert result.size == (32, 24)
    assert {s: (tmp_path / f"{s}.png").read_bytes() for s in plan.outputs} == local_files


def test_outputs_on_disk_with_this_plans_key_are_finished(tmp_path, fake_ops):
    plan = _plan(tmp_path)
    provenance = {s: {"shotspec:plan": plan.nodes[out].key} for s, out in plan.outputs.items()}
    provenance["s2"]["shotspec:plan"] = "an older plan"
    Executor(device="cpu").run(plan, provenance=provenance)
    (tmp_path / "s3.png").unlink()
    assert finished_targets(plan, {}) == {"s1": str(tmp_path / "s1.png")}
    moved = {"s1": str(tmp_path / "elsewhere.png")}         # -o: the file is looked for there
    assert finished_targets(plan, moved) == {}


def test_a_plan_crosses_a_process_boundary_as_plain_data(tmp_path):
    plan = _plan(tmp_path)
    with pytest.raises(pickle.PicklingError):
        pickle.dumps(plan)                                   # typed params: classes made at import
    back = typed_plan(pickle.loads(pickle.dumps(portable_plan(plan))))
    assert all(back.nodes[n].params == plan.nodes[n].params for n in plan.nodes)
    assert [n.key for n in back.nodes.values()] == [n.key for n in plan.nodes.values()]


def test_executor_ray_without_ray_installed_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    from shotspec.cli.main import main

    monkeypatch.setitem(sys.modules, "ray", None)            # `import ray` fails
    spec = tmp_path / "s.shot"
    spec.write_text('shot s {\n  output "s.png" { size 32x24 }\n}\n')
    code = main(["render", str(spec), "--executor", "ray"])
    err = capsys.readouterr().err
    assert code == 2 and "E620" in err and "pip install 'shotspec[ray]'" in err


def test_an_address_nobody_listens_on_is_reported_at_once(tmp_path, capsys):
    pytest.importorskip("ray")
    import socket

    from shotspec.cli.main import main

    with socket.socket() as s:              # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec = tmp_path / "s.shot"
    spec.write_text('shot s {\n  output "s.png" { size 32x24 }\n}\n')
    code = main(["render", str(spec), "--executor", "ray", "--ray-address", f"127.0.0.1:{port}"])
    err = capsys.readouterr().err
    assert code == 2 and "E621" in err and f"127.0.0.1:{port}" in err


def test_a_frame_kept_in_memory_reaches_the_folder_once_another_task_needs_it(tmp_path, monkeypatch):
    from shotspec.runtime.distributed.worker import worker_cache

    monkeypatch.setattr(worker_module, "_MEMORY", [])
    frame = Frame(rgb=torch.rand(1, 3, 4, 5), meta=FrameMeta())
    own = worker_cache(str(tmp_path), persist=frozenset())      # a frame's own intermediate
    own.put("k" * 64, frame)
    assert not list(tmp_path.rglob("*.pt"))                    # memory only
    shared = worker_cache(str(tmp_path), persist=frozenset({"k" * 64}))
    assert torch.equal(shared.get("k" * 64).rgb, frame.rgb)
    assert FrameCache(0, disk_dir=tmp_path).get("k" * 64) is not None   # now other workers see it


def test_cpus_per_task_reaches_the_executor_and_bad_counts_are_refused(tmp_path, monkeypatch, capsys):
    from shotspec.cli.main import main
    from shotspec.runtime.distributed import ray_executor

    from shotspec.runtime.errors import RenderError

    made = {}

    class Recorder:                     # records its arguments, then cannot reach a cluster
        def __init__(self, **kwargs):
            made.update(kwargs)

        def connect(self):
            raise RenderError("E621", "no cluster here", hint="a test")

    monkeypatch.setattr(ray_executor, "RayExecutor", Recorder)
    spec = tmp_path / "s.shot"
    spec.write_text('shot s {\n  output "s.png" { size 32x24 }\n}\n')
    assert main(["render", str(spec), "--executor", "ray", "--cpus-per-task", "2.5"]) == 2
    assert made["cpus_per_task"] == 2.5 and "E621" in capsys.readouterr().err
    for bad in ("0", "-1", "two"):
        with pytest.raises(SystemExit) as exit_:
            main(["render", str(spec), "--executor", "ray", "--cpus-per-task", bad])
        assert exit_.value.code == 2 and "--cpus-per-task" in capsys.readouterr().err
