"""The relief's cell network (``network="cells"``, what the skin enhancer puts on a plate): skin's
pebbled relief as isotropic polygonal cells, where the head's furrow families run in two
directions that, on a flat plate, read as crumpled paper."""

import pytest
import torch

from shotspec.compiler.ir import SkinIR
from shotspec.runtime.head.noise import cell_border
from shotspec.runtime.head.relief import skin_relief
from shotspec.runtime.head.skin_measure import patch_regions, raking_patch, spectrum_of, spectrum_peak


def _grid(n: int, step: float) -> torch.Tensor:
    y, x = torch.meshgrid(torch.arange(n) * step, torch.arange(n) * step, indexing="ij")
    return torch.stack((x.flatten(), y.flatten(), torch.zeros(n * n)), 1)


def test_cell_border_is_the_distance_to_the_nearest_cell_border():
    p = _grid(200, 0.03)
    u, g = cell_border(p, 7)
    assert float(u.min()) >= 0.0 and float(u.max()) < 0.75        # a cell is at most ~1.4 units across
    assert torch.allclose(g.norm(dim=1), torch.ones(len(p)), atol=1e-5)
    # continuous: neighbours 0.03 apart differ by at most their distance (a 1-Lipschitz function)
    grid = u.view(200, 200)
    assert float((grid[:, 1:] - grid[:, :-1]).abs().max()) <= 0.03 + 1e-4
    assert float((grid[1:] - grid[:-1]).abs().max()) <= 0.03 + 1e-4
    # the gradient is the distance's own: a finite difference agrees away from the cells' ridges
    e = 1e-3
    for axis in (0, 1):
        step = torch.zeros(3)
        step[axis] = e
        num = (cell_border(p + step, 7)[0] - u) / e
        assert float(((num - g[:, axis]).abs() < 1e-2).float().mean()) > 0.98


def _height_image(network: str, n: int = 256, mm_per_px: float = 0.1, seed: int = 3) -> torch.Tensor:
    pos = _grid(n, mm_per_px)
    rel = skin_relief(pos, patch_regions(n * n, "cheeks"), torch.full((n * n,), mm_per_px), SkinIR(), seed,
                      network=network)
    return rel.height_mm.view(n, n)


def _orientation_spread(h: torch.Tensor) -> float:
    """Coherence of the height's gradient field, 0 (isotropic) … 1 (every edge one way): the
    structure tensor's (λ₁ − λ₂) / (λ₁ + λ₂) over the patch."""
    gy, gx = torch.gradient(h.double())
    jxx, jyy, jxy = (gx * gx).mean(), (gy * gy).mean(), (gx * gy).mean()
    root = torch.sqrt((jxx - jyy) ** 2 + 4 * jxy ** 2)
    return float(root / (jxx + jyy))


def test_the_cell_network_has_no_direction_the_furrows_do():
    cells = _orientation_spread(_height_image("cells"))
    furrows = _orientation_spread(_height_image("furrows"))
    assert cells < 0.1, cells
    assert furrows > 2 * cells, (furrows, cells)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lit_cells_peak_near_one_cycle_per_mm(seed):
    # a flat patch lit 20° above the surface, its irradiance spread by the skin's diffusion
    # profile: real skin's texture peaks at 0.75–1.25 cycles/mm (docs/rendering.md)
    lum = raking_patch(SkinIR(), seed, size_px=256, mm_per_px=0.1, network="cells")
    f, p = spectrum_of(lum, 0.1)
    assert 0.75 <= spectrum_peak(f, p) <= 1.25


def _patchiness(h: torch.Tensor, win: int = 30) -> float:
    """How much the local depth varies: the 90th over the 10th percentile of the RMS height in
    windows of ``win`` px."""
    rms = h.unfold(0, win, win).unfold(1, win, win).reshape(-1, win * win).std(dim=1)
    return float(rms.quantile(0.9) / rms.quantile(0.1))


def test_the_cell_network_varies_in_patches():
    # over 1.5 mm windows the cells' depth varies ~2 ×, the furrows' ~1.5 × (pores included)
    cells = _patchiness(_height_image("cells", n=512, mm_per_px=0.05))
    furrows = _patchiness(_height_image("furrows", n=512, mm_per_px=0.05))
    assert cells > 1.8 and cells > furrows + 0.3, (cells, furrows)


def test_the_cell_network_fades_with_the_footprint():
    pos = _grid(64, 0.1)
    reg = patch_regions(64 * 64, "cheeks")
    var = [float(skin_relief(pos, reg, torch.full((64 * 64,), fp), SkinIR(), 3, network="cells").height_mm.var())
           for fp in (0.1, 0.5, 2.5)]
    assert var[0] > var[1] > 100 * var[2]


def test_an_unknown_network_is_refused():
    with pytest.raises(ValueError, match="network"):
        skin_relief(torch.zeros(1, 3), patch_regions(1, "cheeks"), torch.ones(1), SkinIR(), 1, network="voronoi")
