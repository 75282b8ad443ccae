#!/usr/bin/env bash
# The CUDA checks, as one script for a GPU machine (a few minutes on one GPU):
#   1. the CUDA-parametrised tests (head raster, attributes, occlusion, shadows; finishing; lens;
#      the plate skin mask and enhancer; detail mode's skin relief on a render and a plate);
#   2. renders on CUDA and on the CPU of the same machine, in fresh processes: the default shot
#      (twice on CUDA: determinism), a finished plate (enhance, ×2 detail upscale, grain), a
#      3-frame plate sequence (tracked enhance), a 3-frame focus pull with a push-in and a 5-frame
#      head turn;
#   3. each CUDA image compared with the CPU's (tools/compare_renders.py).
# Usage: bash tools/cuda_check.sh [OUT]   (OUT: where images and logs go; default /tmp/cuda_check)
# PY selects the interpreter (default python3); the project must be importable (installed, or
# PYTHONPATH=src). A crash prints the crash report. DEV=cpu dry-runs the script without a GPU
# (every comparison is then identical).
set -u
export PYTHONUNBUFFERED=1
OUT=${1:-/tmp/cuda_check}
PY=${PY:-python3}
mkdir -p "$OUT"
WORK=$(mktemp -d)
SHOT="$PY -m shotspec.cli.main"
DEV=${DEV:-cuda}
if [ "$DEV" = cuda ]; then
  $PY -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.__version__, torch.cuda.get_device_name(0))" || exit 2
fi

echo "== CUDA tests"
$PY -m pytest -q -p no:cacheprovider -rs -k "cuda" tests/runtime/enhance/test_enhance_device.py \
  tests/runtime/head tests/runtime/finishing/test_finishing_device.py tests/runtime/optics \
  tests/runtime/upscale/test_upscale_skin_detail.py tests/runtime/enhance/test_plate_lines.py 2>&1 \
  | grep -E "passed|failed|skipped|error|SKIPPED"

render() {  # name spec device
  local s e rc
  s=$(date +%s.%N)
  $SHOT render ${2:+"$2"} -o "$OUT/$1_$3.png" --device "$3" > "$OUT/$1_$3.log" 2>&1; rc=$?
  e=$(date +%s.%N)
  echo "$1 on $3: exit $rc, $(awk "BEGIN{printf \"%.2f\", $e - $s}") s in a fresh process"
  if [ $rc -ne 0 ]; then
    tail -4 "$OUT/$1_$3.log"
    report=$(grep -o '/[^ ]*shotspec-crash-[^ ]*\.txt' "$OUT/$1_$3.log" | head -1)
    [ -n "$report" ] && tail -30 "$report"
  fi
}

echo "== renders"
render closeup "" "$DEV"
mv "$OUT/closeup_$DEV.png" "$OUT/closeup.first-run-$DEV.png" 2>/dev/null
render closeup "" "$DEV"
render closeup "" cpu
$PY - "$OUT/closeup_cpu.png" "$WORK" <<'PYEOF'
import sys
import numpy as np
from PIL import Image
src, work = sys.argv[1], sys.argv[2]
im = Image.open(src).convert("RGB").resize((512, 640), Image.LANCZOS)
a = np.asarray(im)
im.save(f"{work}/still.png")
for i in range(3):
    Image.fromarray(np.roll(a, (3 * i, 2 * i), axis=(0, 1))).save(f"{work}/seq.{i:04d}.png")
PYEOF
cat > "$WORK/enh.shot" <<'S'
shot enh {
  source plate "still.png"
  camera {
    lens 85mm
    aperture f/2
    distance 0.75m
  }
  finish {
    skin_enhance 1
    upscale 2x detail
    grain 250D 0.5
  }
  output "enh.png" {
    size 1024x1280
    depth 16
  }
}
S
cat > "$WORK/seq.shot" <<'S'
shot seq {
  source plate "seq.####.png"
  duration 3f
  finish {
    skin_enhance 1
    grain 250D 0.5
  }
  output "seq.png" {
    depth 16
  }
}
S
cat > "$WORK/pull.shot" <<'S'
character mara { seed 1842 }
shot pull {
  character mara
  duration 3f
  camera {
    lens 85mm
    aperture f/2
    distance 0.9m @ 0f -> 0.75m @ 2f
    focus mara.eyes @ 0f -> mara.ears @ 2f
  }
  finish {
    skin_enhance 0.5
    upscale 2x fidelity
    grain 250D 0.35
  }
  output "pull.png" {
    size 384x480
    depth 16
  }
}
S
cat > "$WORK/turn.shot" <<'S'
character mara {
  seed 1842
  pose {
    turn 0deg @ 0f -> 12deg @ 4f ease in_out
  }
}
shot turn {
  character mara
  duration 5f
  camera {
    lens 85mm
    aperture f/4
    distance 0.6m
    focus mara.eyes
  }
  finish {
    skin_enhance 1
  }
  output "turn.png" {
    size 512x640
  }
}
S
for d in "$DEV" cpu; do
  for name in enh seq pull turn; do render "$name" "$WORK/$name.shot" "$d"; done
done

echo "== CUDA against the CPU (8-bit code units)"
$PY "$(dirname "$0")/compare_renders.py" "$OUT/closeup.first-run-$DEV.png" "$OUT/closeup_$DEV.png" --label "$DEV run 1 vs run 2"
$PY "$(dirname "$0")/compare_renders.py" --pairs "$OUT" "$DEV" cpu
rm -rf "$WORK"
