"""Film grain: film-plane sizing, strength, luminance response, seeding, stocks."""

import math

import pytest
import torch

from shotspec.runtime.finishing import STOCKS, film_grain
from shotspec.runtime.finishing.grain import grain_noise, grain_pixel_rms
from shotspec.runtime.finishing.perceptual import to_perceptual
from shotspec.runtime.frame import Frame, FrameMeta


def flat(value: float, size: int = 128, sensor_m: float = 0.036) -> Frame:
    rgb = torch.full((1, 3, size, size), float(value))
    return Frame(rgb=rgb, meta=FrameMeta(sensor_width_m=sensor_m, sensor_height_m=sensor_m))


def grain_u(frame: Frame, **kw) -> torch.Tensor:
    """Grain as added in the perceptual domain (what a viewer sees as texture)."""
    out = film_grain(frame, **kw)
    return to_perceptual(out.rgb) - to_perceptual(frame.rgb)


def rms(x: torch.Tensor) -> float:
    return float(x.pow(2).mean().sqrt())


def test_rms_grows_linearly_with_strength():
    f = flat(0.18)
    r = [rms(grain_u(f, stock="250D", strength=s, seed=3)) for s in (0.25, 0.5, 1.0)]
    assert r[0] > 0
    assert r[1] / r[0] == pytest.approx(2.0, rel=0.05)
    assert r[2] / r[0] == pytest.approx(4.0, rel=0.1)
    assert film_grain(f, stock="250D", strength=0.0, seed=3).rgb.equal(f.rgb)


def test_mid_grey_is_grainier_than_black_and_white():
    kw = dict(stock="500T", strength=1.0, seed=11)
    mid = rms(grain_u(flat(0.18), **kw))
    near_black = rms(grain_u(flat(0.005), **kw))
    near_white_display = rms(grain_u(flat(0.95), **kw))
    scene_highlight = rms(grain_u(flat(8.0), **kw))
    assert near_black < 0.5 * mid
    assert near_white_display < 0.8 * mid
    assert scene_highlight < 0.3 * mid
    out = film_grain(flat(8.0), **kw).rgb
    assert torch.isfinite(out).all() and out.min() > 0          # scene-linear input survives


def test_rms_matches_the_stock_model_per_channel():
    f = flat(0.18, 128)
    expected = grain_pixel_rms("500T", 36000 / 128)
    g = grain_u(f, stock="500T", strength=0.2, seed=5)
    for c in range(3):
        assert rms(g[:, c]) == pytest.approx(0.2 * expected[c], rel=0.1)
    # Red grainiest and green finest, as measured in the scans' flat areas.
    assert rms(g[:, 0]) > rms(g[:, 2]) > rms(g[:, 1])


@pytest.fixture
def film_only(monkeypatch):
    """The grain on the film alone: the scan's point spread (a fraction of the output pixel,
    so it differs between sizes by design) set to nothing."""
    from shotspec.runtime.finishing import grain

    monkeypatch.setattr(grain, "SCAN_SPREAD_PX", 1e-6)
    for cached in (grain._pixel_rms_ratio, grain._grain_noise):
        cached.cache_clear()
    yield
    for cached in (grain._pixel_rms_ratio, grain._grain_noise):
        cached.cache_clear()


def radial_centroid_cyc_per_mm(noise: torch.Tensor, pixel_mm: float, nyquist_mm: float) -> float:
    """Power-weighted mean radial frequency (cycles per film-plane mm) up to ``nyquist_mm``."""
    n = noise - noise.mean()
    power = torch.fft.fft2(n).abs() ** 2
    h, w = n.shape
    fy = torch.fft.fftfreq(h)[:, None] / pixel_mm
    fx = torch.fft.fftfreq(w)[None, :] / pixel_mm
    rad = torch.sqrt(fx**2 + fy**2)
    keep = (rad > 0) & (rad <= nyquist_mm)
    return float((rad * power)[keep].sum() / power[keep].sum())


def test_grain_size_is_fixed_on_the_film_plane(film_only):
    sensor_mm = 0.8      # a small film gate so the 10 µm grain spans several pixels at 128 px
    centroids, widths_px = [], []
    for size in (128, 256):
        pixel_mm = sensor_mm / size
        noise = grain_noise(size, size, pixel_mm * 1000, "500T", seed=2)[0, 2]
        centroids.append(radial_centroid_cyc_per_mm(noise, pixel_mm, 0.5 / (sensor_mm / 128)))
        # Width in pixels: lag at which the autocorrelation falls to 1/2.
        spec = torch.fft.fft2(noise - noise.mean()).abs() ** 2
        acf = torch.fft.ifft2(spec).real[0]
        acf = acf / acf[0]
        widths_px.append(int((acf[: size // 2] < 0.5).nonzero()[0]))
    assert centroids[1] == pytest.approx(centroids[0], rel=0.1)
    assert widths_px[1] == pytest.approx(2 * widths_px[0], abs=1.01)


def test_downsampled_fine_frame_matches_coarse_frame(film_only):
    """Averaging 2×2 pixels of a 256 px render gives the 128 px render's grain RMS (Selwyn)."""
    coarse = grain_u(flat(0.18, 128), stock="250D", strength=1.0, seed=1)
    fine = grain_u(flat(0.18, 256), stock="250D", strength=1.0, seed=1)
    pooled = torch.nn.functional.avg_pool2d(fine, 2)
    assert rms(fine) > 1.3 * rms(coarse)
    assert rms(pooled) == pytest.approx(rms(coarse), rel=0.1)


def test_larger_format_makes_grain_finer_relative_to_frame():
    small = grain_u(flat(0.18, 128, 0.0249), stock="500T", strength=1.0, seed=4)
    large = grain_u(flat(0.18, 128, 0.05248), stock="500T", strength=1.0, seed=4)
    assert rms(large) < 0.75 * rms(small)


def test_frame_index_gives_fresh_grain_and_same_index_is_identical():
    f = flat(0.18)
    a = grain_u(f, stock="250D", strength=1.0, seed=7, frame_index=0)
    b = grain_u(f, stock="250D", strength=1.0, seed=7, frame_index=0)
    c = grain_u(f, stock="250D", strength=1.0, seed=7, frame_index=1)
    d = grain_u(f, stock="250D", strength=1.0, seed=8, frame_index=0)
    assert torch.equal(a, b)
    corr = float(torch.corrcoef(torch.stack([a.flatten(), c.flatten()]))[0, 1])
    assert abs(corr) < 0.05
    assert abs(float(torch.corrcoef(torch.stack([a.flatten(), d.flatten()]))[0, 1])) < 0.05


def test_channels_are_partly_correlated():
    g = grain_u(flat(0.18), stock="500T", strength=1.0, seed=9)[0]
    corr = float(torch.corrcoef(torch.stack([g[0].flatten(), g[2].flatten()]))[0, 1])
    assert corr == pytest.approx(STOCKS["500T"].colour_correlation, abs=0.08)


def test_stocks_resolve_and_unknown_stock_lists_them():
    for name in ("50D", "250D", "500T", "200T"):
        assert name in STOCKS
        assert film_grain(flat(0.18, 64), stock=name, strength=0.5, seed=1).rgb.shape == (1, 3, 64, 64)
    assert STOCKS["50D"].grain_radius_um < STOCKS["250D"].grain_radius_um < STOCKS["500T"].grain_radius_um
    with pytest.raises(ValueError, match=r"unknown film stock 'Portra 9000'.*50D.*250D.*500T"):
        film_grain(flat(0.18, 64), stock="Portra 9000", strength=0.5, seed=1)


def test_grain_keeps_aovs_meta_and_black():
    f = flat(0.0, 64).replace(aovs={"skin": torch.ones(1, 1, 64, 64)})
    out = film_grain(f, stock="500T", strength=2.0, seed=1)
    assert torch.equal(out.rgb, f.rgb)                        # black stays black
    assert out.aovs is f.aovs and out.meta == f.meta
    with pytest.raises(ValueError, match="strength"):
        film_grain(f, stock="500T", strength=-1.0, seed=1)
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        film_grain(Frame(rgb=torch.zeros(1, 1, 8, 8)), stock="500T", strength=1.0, seed=1)


def test_mean_level_is_preserved():
    f = flat(0.18, 128)
    u = to_perceptual(film_grain(f, stock="500T", strength=1.0, seed=3).rgb)
    assert float(u.mean()) == pytest.approx(0.5, abs=0.005)
    assert math.isfinite(float(u.std()))
