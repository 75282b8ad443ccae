"""The optimiser never changes a picture: the optimised and unoptimised plans of the same
program render identical pixels."""

from __future__ import annotations

from pathlib import Path

import torch

from shotspec.compiler import compile_source
from shotspec.compiler.plan import build_plan
from shotspec.runtime.executor import Executor

SPECS = Path(__file__).resolve().parents[2] / "src" / "shotspec" / "specs"

SPEC = """\
shot a {
  source plate "plate/portrait.png" { depth "plate/portrait_depth.png"; mask "plate/portrait_mask.png" }
  camera { lens 85mm; aperture f/2.8; distance 0.7m; focus 0.7m }
  finish {
    exposure 0.5 stops
    white_balance 4800K
    tonemap aces
    grade "../luts/soft_contrast.cube" 0.7
    smooth 0
    grain 250D 0.4
  }
  output "a.png" { size 96x120 }
}
shot b extends a {
  finish { grain 250D 0.2 }
  output "b.png" { size 96x120 }
}
"""


def test_optimised_and_unoptimised_plans_render_the_same(tmp_path):
    result = compile_source(SPEC, SPECS / "examples" / "spec.shot")
    assert result.ok, result.diagnostics
    optimised = build_plan(result.program)
    plain = build_plan(result.program, optimize_plan=False)
    assert len(optimised.nodes) < len(plain.nodes)            # fused, shared and pruned
    assert any(n.op == "pointwise" for n in optimised.nodes.values())
    outputs = {s: str(tmp_path / f"{s}.png") for s in ("a", "b")}
    fast = Executor(device="cpu").run(optimised, output_paths=outputs)
    slow = Executor(device="cpu").run(plain, output_paths=outputs)
    for shot in ("a", "b"):
        assert torch.equal(fast.frames[shot].rgb, slow.frames[shot].rgb), shot
