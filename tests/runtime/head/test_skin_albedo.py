"""Albedo of the scanned head's skin: hue of real skin, traits where they belong, determinism."""

import numpy as np
import pytest
import torch

from shotspec.color import linear_to_srgb, srgb_to_lab
from shotspec.compiler.ir import SkinIR, ToneIR
from shotspec.compiler.tables import MONK_SWATCHES
from shotspec.color import hex_to_srgb
from shotspec.runtime.head.skin_albedo import albedo_detail, base_albedo, vertex_albedo


def _hue_deg(linear_rgb: torch.Tensor) -> np.ndarray:
    lab = srgb_to_lab(linear_to_srgb(linear_rgb.clamp(0, 1)).numpy())
    return np.degrees(np.arctan2(lab[..., 2], lab[..., 1]))


@pytest.mark.parametrize("monk", [2, 4, 5, 7, 9])
def test_neutral_undertone_has_the_hue_of_real_skin(monk):
    tone = ToneIR(scale="monk", value=float(monk), albedo_srgb=hex_to_srgb(MONK_SWATCHES[monk - 1]))
    hue = float(_hue_deg(base_albedo(SkinIR(tone=tone), "cpu")))
    assert 40.0 <= hue <= 55.0, hue


def test_undertones_order_by_hue():
    hues = {u: float(_hue_deg(base_albedo(SkinIR(tone=ToneIR(undertone=u)), "cpu"))) for u in ("cool", "neutral", "warm")}
    assert hues["cool"] < hues["neutral"] < hues["warm"]


def test_cheek_skin_of_the_default_stays_in_range(head, regions):
    alb = vertex_albedo(SkinIR(), 3, regions, head.neutral)
    cheek = regions["cheeks"] > 0.9
    hue = _hue_deg(alb[cheek])
    assert 35.0 <= float(np.median(hue)) <= 55.0
    lips = regions["lips"] > 0.95
    # lips redder (lower hue) and darker than the cheek
    assert float(np.median(_hue_deg(alb[lips]))) < float(np.median(hue)) - 5.0
    assert float(alb[lips].mean()) < float(alb[cheek].mean())


def test_redness_reddens_the_cheeks_not_the_forehead(head, regions):
    calm = vertex_albedo(SkinIR(redness=0.0), 3, regions, head.neutral)
    red = vertex_albedo(SkinIR(redness=1.0), 3, regions, head.neutral)
    ratio = lambda a, m: float((a[m, 0] / a[m, 1]).mean())   # noqa: E731
    cheek = regions["cheeks"] > 0.9
    assert ratio(red, cheek) > 1.15 * ratio(calm, cheek)
    scalp = regions["scalp"] > 0.99
    assert ratio(red, scalp) < 1.08 * ratio(calm, scalp)


def test_detail_is_deterministic_and_freckles_darken(head, regions):
    ids = torch.nonzero(regions["cheeks"] > 0.9)[:, 0]
    pos = head.neutral[ids] * 1000.0
    reg = type(regions)(regions.weights[ids])
    pos = pos.repeat(40, 1) + torch.randn(40 * ids.numel(), 3, generator=torch.Generator().manual_seed(0)) * 3.0
    reg = type(regions)(reg.weights.repeat(40, 1))
    base = torch.full_like(pos, 0.4)
    fp = torch.full((pos.shape[0],), 0.1)
    plain = albedo_detail(base, pos, reg, fp, SkinIR(freckles=0.0), 5)
    again = albedo_detail(base, pos, reg, fp, SkinIR(freckles=0.0), 5)
    assert torch.equal(plain, again)
    freckled = albedo_detail(base, pos, reg, fp, SkinIR(freckles=1.0), 5)
    darker = (freckled.mean(1) < plain.mean(1) - 0.03).float().mean()
    assert 0.03 < float(darker) < 0.6          # spots, not a tint


def test_seeds_differ(head, regions):
    a = vertex_albedo(SkinIR(), 1, regions, head.neutral)
    b = vertex_albedo(SkinIR(), 2, regions, head.neutral)
    assert not torch.equal(a, b)
    assert torch.equal(a, vertex_albedo(SkinIR(), 1, regions, head.neutral))
