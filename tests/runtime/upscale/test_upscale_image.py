"""upscale_image: quality against Pillow on a procedural test image, shapes, determinism, HDR."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from shotspec.runtime.upscale import upscale_image
from shotspec.runtime.upscale.resample import downsample, upsample


def _test_image(size: int = 96) -> np.ndarray:
    """Procedural grey image in 0-255: discs and bars with hard and soft edges plus fine texture."""
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    img = np.full((size, size), 110.0)
    for _ in range(14):
        cx, cy, r = rng.uniform(0, size, 2).tolist() + [rng.uniform(5, 22)]
        d = np.hypot(xx - cx, yy - cy) - r
        edge = np.clip(0.5 - d / rng.uniform(0.3, 1.5), 0, 1)
        img = img * (1 - edge) + rng.uniform(20, 235) * edge
    ang = rng.uniform(0, np.pi)
    img += 18 * np.sin(2 * np.pi * (np.cos(ang) * xx + np.sin(ang) * yy) / 5.3)
    img += 10 * rng.standard_normal((size, size)).cumsum(0).cumsum(1)[:size, :size] / size
    return np.clip(img, 0, 255)


def _psnr(a: np.ndarray, b: np.ndarray, border: int) -> float:
    a, b = a[border:-border, border:-border], b[border:-border, border:-border]
    return float(10 * np.log10(255.0**2 / np.mean((a - b) ** 2)))


def _hf(y: np.ndarray) -> float:
    spec = np.abs(np.fft.fft2(y)) ** 2
    r = np.hypot(np.fft.fftfreq(y.shape[0])[:, None], np.fft.fftfreq(y.shape[1])[None, :])
    return float(spec[(r >= 0.2) & (r <= 0.5)].sum())


@pytest.fixture(scope="module")
def case():
    hr = np.round(_test_image()).astype(np.uint8)
    small = Image.fromarray(hr).resize((48, 48), Image.BICUBIC)
    x = torch.from_numpy(np.asarray(small).astype(np.float32) / 255.0)[None, None]
    out = {}
    for mode in ("fidelity", "detail"):
        y = upscale_image(x, 2, mode)[0, 0].clamp(0, 1).numpy()
        out[mode] = np.round(y * 255).astype(np.float64)
    out["bicubic"] = np.asarray(small.resize((96, 96), Image.BICUBIC)).astype(np.float64)
    out["lanczos"] = np.asarray(small.resize((96, 96), Image.LANCZOS)).astype(np.float64)
    return hr.astype(np.float64), out


def test_fidelity_beats_pillow_bicubic_and_lanczos(case):
    hr, out = case
    fid, bic, lan = (_psnr(out[k], hr, 2) for k in ("fidelity", "bicubic", "lanczos"))
    assert fid > bic + 1.0, (fid, bic)
    assert fid > lan + 0.5, (fid, lan)


def test_detail_adds_high_frequencies_at_bounded_cost(case):
    hr, out = case
    ratio = {k: _hf(out[k]) / _hf(hr) for k in ("detail", "fidelity", "lanczos")}
    assert ratio["detail"] > ratio["lanczos"] + 0.1, ratio
    assert ratio["detail"] > ratio["fidelity"], ratio
    # -0.65 dB on this procedural image since detail fills its texture deficit with band-limited
    # texture (the stripes and random walk predict more energy than the test image has)
    assert _psnr(out["detail"], hr, 2) > _psnr(out["bicubic"], hr, 2) - 0.75


@pytest.mark.parametrize("factor,channels", [(2, 3), (3, 1), (4, 4)])
def test_shape_dtype_device(factor, channels):
    x = torch.rand(2, channels, 10, 13, generator=torch.Generator().manual_seed(factor), dtype=torch.float64)
    y = upscale_image(x, factor, "detail")
    assert y.shape == (2, channels, 10 * factor, 13 * factor)
    assert y.dtype == torch.float64 and y.device == x.device
    assert torch.isfinite(y).all()


def test_deterministic():
    x = torch.rand(1, 3, 24, 20, generator=torch.Generator().manual_seed(3))
    for mode in ("fidelity", "detail"):
        assert torch.equal(upscale_image(x, 3, mode), upscale_image(x.clone(), 3, mode))


def test_scene_linear_values_above_one_survive():
    x = torch.full((1, 3, 16, 16), 0.2)
    x[..., 4:12, 4:12] = 4.0           # a bright plateau
    x[..., 13, 2] = 60.0               # a specular highlight
    for mode in ("fidelity", "detail"):
        y = upscale_image(x, 2, mode)
        assert torch.isfinite(y).all()
        assert y[..., 14:18, 14:18].sub(4.0).abs().max() < 0.4    # plateau interior stays near 4.0
        assert y.max() > 20.0                                    # the highlight is not clipped
        assert y[..., :4, -4:].sub(0.2).abs().max() < 0.02       # background stays put


def test_flat_image_stays_flat():
    x = torch.full((1, 3, 12, 12), 0.37)
    assert upscale_image(x, 4, "detail").sub(0.37).abs().max() < 1e-5


@pytest.mark.parametrize("bad", [dict(factor=5), dict(factor=1), dict(mode="sharp")])
def test_bad_arguments_raise_clear_errors(bad):
    args = dict(factor=2, mode="fidelity") | bad
    with pytest.raises(ValueError, match="factor|mode"):
        upscale_image(torch.rand(1, 3, 8, 8), args["factor"], args["mode"])
    with pytest.raises(ValueError, match="B, C, H, W"):
        upscale_image(torch.rand(3, 8, 8), 2)
    with pytest.raises(ValueError, match="NaN or infinite"):
        upscale_image(torch.full((1, 1, 8, 8), float("nan")), 2)


def test_a_texture_pattern_replaces_the_noise_where_its_weight_is_one():
    """``pattern`` (texture, weight): where the weight is 1 the added texture is the given
    texture; where it is 0 the seeded noise, as without a pattern. A wrongly sized pattern is
    refused, a callable is called only when texture is added."""
    gen = torch.Generator().manual_seed(4)
    x = torch.nn.functional.avg_pool2d(torch.rand(1, 1, 192, 192, generator=gen), 3)    # soft texture
    plain = upscale_image(x, 4, "detail")
    stripes = torch.sin(torch.arange(256.0) * 2.2).view(1, 1, 1, 256).expand(1, 1, 256, 256)
    weight = torch.zeros(1, 1, 256, 256)
    weight[..., :, 128:] = 1.0
    out = upscale_image(x, 4, "detail", (stripes, weight))
    # the noise half is bit-identical: on this soft input the texture gain is at its cap either way
    assert torch.equal(out[..., :, :120], plain[..., :, :120])
    added = (out - plain)[0, 0, 16:-16, 136:-16]
    # the right half now carries the stripes (modulated by the local contrast), not the noise
    along = torch.sin(torch.arange(256.0) * 2.2)[136:-16]
    corr = torch.corrcoef(torch.stack([added.mean(0), along]))[0, 1]
    assert float(corr) > 0.8
    with pytest.raises(ValueError, match="pattern must be two"):
        upscale_image(x, 4, "detail", (stripes[..., :100], weight))
    calls = []
    upscale_image(torch.full((1, 1, 16, 16), 0.5), 4, "detail", lambda: calls.append(1))
    assert calls == []                                                   # flat: no texture, no call


@pytest.mark.parametrize("kind,pil", [("bicubic", Image.BICUBIC), ("box", Image.BOX)])
def test_resampling_matches_pillow_inside_the_border(kind, pil):
    img = _test_image(48).astype(np.float32)
    t = torch.from_numpy(img)[None, None]
    up_ref = np.asarray(Image.fromarray(img, "F").resize((96, 96), pil))
    dn_ref = np.asarray(Image.fromarray(img, "F").resize((16, 16), pil))
    assert np.abs(upsample(t, 2, kind)[0, 0].numpy() - up_ref)[6:-6, 6:-6].max() < 1e-3
    assert np.abs(downsample(t, 3, kind)[0, 0].numpy() - dn_ref)[3:-3, 3:-3].max() < 1e-3
