"""The Ray executor on a real local Ray cluster: a head (no CPUs: it only holds the driver) and
two one-CPU worker nodes on this machine. Six small shots render while one worker node is
killed mid-run; the render completes, every shot is written once, and the files are
byte-identical to the local executor's. A second run finds them all on disk and renders
nothing (resume).

Marked ``ray`` (skipped by default): ``pytest -m ray tests/runtime/test_ray_cluster.py``
(about 90 s on two cores shared with other work; needs ``pip install 'shotspec[ray]'``).
"""

from __future__ import annotations

import logging
import threading

import pytest

from shotspec.cli.session import RenderSession

pytestmark = pytest.mark.ray
ray = pytest.importorskip("ray")

# Six shots ≤ 128 px of one head: a/b/c share the geometry (b differs in grain, c in light),
# d/e share theirs (another distance), f has its own (another lens and size).
SPEC = """\
character mara {
  seed 7
  skin { tone monk 5 }
}

shot a {
  character mara
  camera {
    lens 85mm
    aperture f/2.8
    distance 0.8m
    focus mara.eyes
  }
  lighting {
    key area {
      from 30deg left, 20deg up
      intensity 1
    }
  }
  finish { grain 250D 0.3 }
  output "a.png" { size 96x120 }
}
shot b extends a {
  finish { grain 250D 0.6 }
  output "b.png" { size 96x120 }
}
shot c extends a {
  lighting {
    key area {
      from 40deg right, 10deg up
      intensity 1
    }
  }
  output "c.png" { size 96x120 }
}
shot d extends a {
  camera { distance 0.9m }
  output "d.png" { size 96x120 }
}
shot e extends d {
  finish { grain 250D 0.8 }
  output "e.png" { size 96x120 }
}
shot f extends a {
  camera { lens 50mm }
  output "f.png" { size 128x96 }
}
"""

STORE_BYTES = 100 << 20


@pytest.fixture(scope="module")
def cluster():
    from ray.cluster_utils import Cluster

    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 0,
                                                      "object_store_memory": STORE_BYTES})
    workers = [c.add_node(num_cpus=1, object_store_memory=STORE_BYTES) for _ in range(2)]
    ray.init(address=c.address, log_to_driver=False, logging_level=logging.ERROR)
    yield c, workers
    ray.shutdown()
    c.shutdown()


def _render(spec, out_dir, executor=None):
    session = RenderSession(spec, output=str(out_dir / "x.png"), device="cpu")
    if executor is not None:
        session.executor = executor
    build = session.render()
    assert build.ok, build.diagnostics
    return build.report


def test_a_killed_worker_node_loses_nothing_and_changes_no_byte(cluster, tmp_path):
    from shotspec.runtime.distributed.ray_executor import RayExecutor

    c, workers = cluster
    spec = tmp_path / "six.shot"
    spec.write_text(SPEC)
    local = _render(spec, tmp_path / "local")
    local_bytes = {p.name: p.read_bytes() for p in (tmp_path / "local").iterdir()}
    assert len(local_bytes) == 6

    seen_nodes: set[str] = set()
    killed: list[str] = []
    killer: list[threading.Thread] = []

    starts: list[tuple[str, str]] = []       # (plan node, Ray node) of every start

    def on_event(event):
        seen_nodes.add(event.node_id)
        if event.kind == "start":
            starts.append((event.node.id, event.node_id))
        if event.kind == "done" and not killed and event.node_id:
            victim = next(w for w in workers if w.node_id == event.node_id)
            killed.append(victim.node_id)       # mid-run: the first node to finish a step
            killer.append(threading.Thread(target=c.remove_node, args=(victim,)))
            killer[0].start()

    executor = RayExecutor(device="cpu", cache_dir=str(tmp_path / "cache"), on_event=on_event)
    report = _render(spec, tmp_path / "ray", executor)
    killer[0].join()

    assert len(seen_nodes - {""}) == 2                            # both worker nodes worked
    assert killed and len(ray.nodes()) == 3 and sum(n["Alive"] for n in ray.nodes()) == 2
    interrupted = {nid for nid, where in starts if where == killed[0]}
    redone = {nid for nid, where in starts if where != killed[0]}
    assert interrupted & redone          # work the dead node had begun was retried elsewhere
    written = sorted(report.written.values())
    assert len(written) == len(set(written)) == 6                   # none missing, none twice
    files = sorted(p.name for p in (tmp_path / "ray").iterdir())
    assert files == sorted(local_bytes)                            # no stray or partial file
    for name, data in local_bytes.items():
        assert (tmp_path / "ray" / name).read_bytes() == data, name
    assert report.sizes["f"] == (128, 96) and set(report.sizes) == set(local.written)
    computed = [t.node.id for t in report.timings if not t.cached]
    assert len(computed) == len(set(computed))

    again = _render(spec, tmp_path / "ray", RayExecutor(device="cpu", cache_dir=str(tmp_path / "cache")))
    assert set(again.resumed) == set("abcdef") and again.tasks == []   # resume: nothing to do


def test_a_joined_cluster_without_a_shared_cache_folder_is_refused(cluster, tmp_path):
    from shotspec.runtime.distributed.ray_executor import RayExecutor

    spec = tmp_path / "six.shot"
    spec.write_text(SPEC)
    session = RenderSession(spec, output=str(tmp_path / "x.png"), device="cpu")
    session.executor = RayExecutor(device="cpu")          # joins the running cluster
    build = session.render()
    assert [d.code for d in build.diagnostics if d.is_error] == ["E622"]
    assert "--cache-dir" in build.diagnostics[-1].message
    assert not list(tmp_path.glob("x-*.png"))
