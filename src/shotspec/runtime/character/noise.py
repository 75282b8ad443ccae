"""Moved to ``shotspec.runtime.head.noise`` (the scanned head's skin uses it); this path stays
until the SDF head is removed."""

from shotspec.runtime.head.noise import cell_feature, detail_fade, fbm, hash3, value_noise, value_noise_grad

__all__ = ["hash3", "value_noise", "value_noise_grad", "fbm", "cell_feature", "detail_fade"]
