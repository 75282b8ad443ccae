"""White balance neutralises the light's colour."""

import pytest
import torch

from shotspec.color import kelvin_to_rgb, luminance
from shotspec.runtime.finishing import white_balance
from shotspec.runtime.frame import Frame


def lit_grey(kelvin: float, albedo: float = 0.18) -> Frame:
    c = torch.tensor(kelvin_to_rgb(kelvin)) * albedo
    return Frame(rgb=c.view(1, 3, 1, 1).expand(1, 3, 8, 8).contiguous())


@pytest.mark.parametrize("kelvin", [2700.0, 3200.0, 5600.0, 9000.0])
def test_grey_lit_by_the_light_comes_out_neutral(kelvin):
    f = lit_grey(kelvin)
    assert float((f.rgb[0, :, 0, 0] - 0.18).abs().max()) > 0.01       # visibly tinted before
    out = white_balance(f, kelvin).rgb[0, :, 0, 0]
    assert torch.allclose(out, torch.full((3,), 0.18), atol=2e-4)    # neutral, same luminance
    assert float(luminance(white_balance(f, kelvin).rgb).mean()) == pytest.approx(0.18, rel=1e-3)


def test_3200k_correction_cools_a_neutral_and_6500_is_identity():
    f = Frame(rgb=torch.full((1, 3, 4, 4), 0.5))
    warm_fix = white_balance(f, 3200.0).rgb[0, :, 0, 0]
    assert float(warm_fix[2]) > 1.5 * float(warm_fix[0])
    assert torch.allclose(white_balance(f, 6500.0).rgb, f.rgb, atol=0.01)


def test_tint_is_green_magenta():
    f = lit_grey(5600.0)
    magenta = white_balance(f, 5600.0, tint=1.0).rgb[0, :, 0, 0]
    green = white_balance(f, 5600.0, tint=-1.0).rgb[0, :, 0, 0]
    assert float(magenta[1]) < float(magenta[0]) and float(magenta[1]) < float(magenta[2])
    assert float(green[1]) > float(green[0]) and float(green[1]) > float(green[2])


def test_bad_temperature_is_a_clear_error():
    with pytest.raises(ValueError, match="1000–25000 K"):
        white_balance(lit_grey(5600.0), 200.0)
