"""Moved to ``shotspec.runtime.head.sss`` (the scanned head's skin uses it); this path stays
until the SDF head is removed."""

from shotspec.runtime.head.sss import PROFILE_VARIANCES_MM2, PROFILE_WEIGHTS, profile_kernel, scatter

__all__ = ["PROFILE_VARIANCES_MM2", "PROFILE_WEIGHTS", "profile_kernel", "scatter"]
