"""The frame every pass consumes and produces: linear scene-referred RGB plus AOVs.

Working space: linear light, Rec.709 / sRGB primaries, D65 white, float32, scene-referred (1.0 is
a diffuse white lit by the key at 0 stops; highlights may exceed 1). Tensors are ``(1, C, H, W)``.

AOVs (all optional, all ``(1, C, H, W)`` at the frame's resolution):
  * ``depth``   (1 ch) distance along the camera axis in metres; ``inf`` where nothing was hit
  * ``normal``  (3 ch) unit world-space normals (camera space: x right, y up, z towards camera)
  * ``albedo``  (3 ch) linear diffuse albedo
  * ``skin``, ``eyes``, ``lips``, ``brows``, ``subject`` (1 ch) masks in 0–1
  * ``alpha``   (1 ch) coverage
  * ``position`` (3 ch) object-space position in metres (renders only)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch

__all__ = ["Frame", "FrameMeta"]


@dataclass(frozen=True)
class FrameMeta:
    """Physical facts later passes need to size their effects in real units."""

    sensor_width_m: float = 0.036        # film-plane width the frame covers
    sensor_height_m: float = 0.024
    focal_length_m: float = 0.085
    subject_distance_m: float = 0.8      # camera to the subject's eye plane
    # Millimetres of face per pixel at the subject distance (skin enhancer sizing); 0 = unknown.
    face_mm_per_px: float = 0.0
    seed: int = 0                        # the character's seed (stable skin texture per person)
    source: str = "render"               # "render" or "plate"
    # Depth along the camera axis of named focus targets ("eyes", "nose", "lips", "ears",
    # "subject"), in metres, as found by the source (renders know them exactly).
    target_depths_m: tuple[tuple[str, float], ...] = ()

    def target_depth(self, name: str) -> float | None:
        return dict(self.target_depths_m).get(name)


@dataclass(frozen=True)
class Frame:
    rgb: torch.Tensor                                   # (1, 3, H, W) float32 linear
    aovs: dict[str, torch.Tensor] = field(default_factory=dict)
    meta: FrameMeta = FrameMeta()

    @property
    def height(self) -> int:
        return int(self.rgb.shape[-2])

    @property
    def width(self) -> int:
        return int(self.rgb.shape[-1])

    @property
    def device(self) -> torch.device:
        return self.rgb.device

    def aov(self, name: str) -> torch.Tensor | None:
        return self.aovs.get(name)

    def with_rgb(self, rgb: torch.Tensor) -> "Frame":
        """Same AOVs and meta, new colour (same resolution)."""
        if rgb.shape[-2:] != self.rgb.shape[-2:]:
            raise ValueError(f"rgb {tuple(rgb.shape)} does not match frame {tuple(self.rgb.shape)}")
        return replace(self, rgb=rgb)

    def to(self, device: torch.device | str) -> "Frame":
        """The same frame on ``device`` (itself when it is already there)."""
        device = torch.device(device)
        if self.rgb.device == device:
            return self
        return replace(self, rgb=self.rgb.to(device),
                       aovs={k: v.to(device) for k, v in self.aovs.items()})

    def replace(self, **changes) -> "Frame":
        return replace(self, **changes)

    def nbytes(self) -> int:
        total = self.rgb.numel() * self.rgb.element_size()
        for t in self.aovs.values():
            total += t.numel() * t.element_size()
        return total
