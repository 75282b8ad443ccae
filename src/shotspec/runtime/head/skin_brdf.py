"""Specular reflection of the scanned head's skin: two GGX lobes whose roughness and weight vary
by region and with the oil layer.

Skin reflects about 2.8 % at normal incidence (refractive index ≈ 1.4 of its outer layer); the
reflection has a sharp lobe from the oil film and a broad one from the rough stratum corneum
(d'Eon & Luebke's two-lobe fit). ``SkinIR.oil`` sharpens both and moves weight to the sharp
lobe; the T-zone (forehead centre, nose, glabella) carries most oil, the cheeks least (matte);
the lips carry a saliva film whose wetness (``lips.lip_wetness``, from ``LipsIR.moisture``)
sharpens and strengthens their lobe — dry lips are duller than skin; brows and stubble break
the sheen; pores, lines and the lips' furrows occlude it (the relief's cavity term).
"""

from __future__ import annotations

import torch

from shotspec.compiler.ir import SkinIR
from shotspec.runtime.head.brdf import ggx_specular
from shotspec.runtime.head.regions import RegionWeights

__all__ = ["SKIN_IOR", "SKIN_F0", "skin_specular", "two_lobe_specular"]

SKIN_IOR = 1.4
SKIN_F0 = 0.028                 # ((n − 1) / (n + 1))² at n = 1.4


def skin_specular(skin: SkinIR, regions: RegionWeights, cavity: torch.Tensor | None = None,
                  wet: torch.Tensor | None = None
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per point (N,) each: sharp-lobe roughness, broad-lobe roughness (perceptual: GGX α is
    its square), the sharp lobe's weight (the broad one's is 1 − it) and a specular scale.
    ``wet`` (N,) 0–1: the lips' film (``lips.lip_wetness``; zero off the vermilion); None:
    lips moist by a fixed amount."""
    r = regions
    oil = (skin.oil * (0.5 + 0.9 * r["t_zone"] + 0.3 * r["chin"] - 0.3 * r["cheeks"])).clamp(0.0, 1.0)
    rough1 = 0.32 - 0.14 * oil
    rough2 = 0.55 - 0.10 * oil
    mix = 0.30 + 0.45 * oil
    # ears and neck: drier, duller skin
    dry = (r["ears"] + r["neck"]).clamp_max(1.0)
    rough1 = rough1 + 0.04 * dry
    rough2 = rough2 + 0.05 * dry
    lips = r["lips"]
    if wet is None:
        # lips: a moist film, sharp and strong whatever the oil
        rough1 = rough1 + lips * (0.20 - rough1)
        mix = mix + lips * (0.65 - mix)
        scale = 1.0 + 0.3 * lips
    else:
        # dry vermilion is duller than skin (its flaking stratum corneum); the film makes a
        # sharp, strong lobe where it lies
        rough1 = rough1 + lips * (0.30 - rough1) - 0.20 * wet
        mix = mix + lips * (0.35 - mix) + 0.50 * wet
        scale = 1.0 - 0.2 * lips + 1.4 * wet
    scale = scale * (1.0 - 0.5 * r["brows"]) * (1.0 - 0.35 * r["scalp"])
    if cavity is not None:
        scale = scale * (1.0 - 0.65 * cavity)
    return rough1, rough2, mix, scale


def two_lobe_specular(n: torch.Tensor, v: torch.Tensor, l: torch.Tensor,
                      params: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
                      light_angular_radius_rad: float = 0.0) -> torch.Tensor:
    """Specular reflectance × N·L (N,) of skin for one light: ``params`` from ``skin_specular``.
    An area light of angular radius ρ widens each lobe (α² + (ρ/2)², a cheap stand-in for
    integrating over the light's disc)."""
    rough1, rough2, mix, scale = params
    widen = (0.5 * light_angular_radius_rad) ** 2
    a1 = torch.sqrt(rough1 ** 4 + widen).clamp_max(1.0)
    a2 = torch.sqrt(rough2 ** 4 + widen).clamp_max(1.0)
    spec = mix * ggx_specular(n, v, l, a1, SKIN_F0) + (1.0 - mix) * ggx_specular(n, v, l, a2, SKIN_F0)
    return spec * scale
