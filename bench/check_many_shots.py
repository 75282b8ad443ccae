"""`shot check` time against the number of shots in one file: it should grow linearly.

    python bench/check_many_shots.py [--shots 1000 5000 10000]

Each file has one character, a lighting preset and N shots that use both, with key colour
temperatures that drift (so every shot also carries W102/W104 lint warnings: the cross-shot
lints and the diagnostic de-duplication are where checking used to go quadratic). CPU time
is printed next to wall time: on a shared machine the wall time also counts other jobs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

HEAD = """character ines {
  seed 77
  skin { tone monk 7; undertone neutral; pores 0.7 }
  eyes dark_brown
}

preset rig lighting {
  key area { from 40deg right, 30deg up; temperature 5600K }
  fill area { from 60deg left; intensity -2 stops }
}
"""
SHOT = """
shot s{i} {{
  character ines
  camera {{ lens {lens}mm; aperture f/2; distance 0.8m; focus ines.eyes }}
  lighting {{ use rig; key area {{ temperature {kelvin}K }} }}
  finish {{ grain 250D 0.3; upscale 2x detail; tonemap agx }}
  output "out/s{i}.png" {{ size 64x80 }}
}}
"""


def many_shots_spec(n: int) -> str:
    """A spec with ``n`` shots of one character (lens 50–129mm, key 3000–5400K)."""
    return HEAD + "".join(SHOT.format(i=i, lens=50 + i % 80, kelvin=3000 + (i % 7) * 400)
                          for i in range(n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shots", type=int, nargs="+", default=[1000, 5000, 10000])
    args = parser.parse_args()

    from shotspec.compiler import compile_file

    table = Table(title="`shot check` of one file with N shots (in-process, parser warm)")
    for col in ("shots", "lines", "wall s", "CPU s", "CPU ms per shot", "diagnostics"):
        table.add_column(col, justify="right")
    compile_file(Path(__file__).resolve().parents[1] / "src" / "shotspec" / "specs" / "closeup.shot")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.shots:
            spec = Path(tmp) / f"many_{n}.shot"
            text = many_shots_spec(n)
            spec.write_text(text)
            t0, cpu0 = time.perf_counter(), time.process_time()
            result = compile_file(spec)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            assert result.ok, result.errors[:3]
            table.add_row(str(n), str(text.count("\n")), f"{seconds:.1f}", f"{cpu:.1f}",
                          f"{cpu / n * 1000:.2f}", str(len(result.diagnostics)))
    console = Console()
    console.print(table)
    from bench_env import machine_line

    console.print(f"machine: {machine_line()}; load average {os.getloadavg()[0]:.1f} "
                  f"(1 min) at the end")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
