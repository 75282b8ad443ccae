"""OpenColorIO configs: loading one (a built-in ``ocio://`` URI or a studio's ``.ocio`` file) and
the names it offers, shared by the compiler (name checks with did-you-mean hints) and the
renderer (``shotspec.runtime.color_management``). Torch-free; PyOpenColorIO is imported on the
first call (about 0.1 s), never at module import.

The defaults name the renderer's working space and the config a spec gets without ``config``:

* ``DEFAULT_CONFIG`` — the ACES 2.1 studio config built into OpenColorIO 2.6 (what
  ``ocio://studio-config-latest`` resolves to there), pinned by its full name so a newer
  OpenColorIO cannot change a render;
* ``WORKING_SPACE`` — the renderer shades in scene-linear light with Rec.709/sRGB primaries and
  a D65 white (``shotspec.color``'s matrices, the lights' ``kelvin_to_rgb``); that space is
  called ``Linear Rec.709 (sRGB)`` (alias ``lin_rec709_srgb``) in the ACES configs;
* ``ACES1_CONFIG`` — the ACES 1.3 studio config, the one that still carries the ``ACES 1.0 -
  SDR Video`` view (the ``aces`` tone-map operator).

Nothing is downloaded: the built-in configs are compiled into the OpenColorIO library.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from shotspec.diagnostics import Diagnostic, ShotspecError, did_you_mean

__all__ = ["DEFAULT_CONFIG", "ACES1_CONFIG", "WORKING_SPACE", "GRADING_SPACE",
           "ColorConfigError", "ConfigNames", "ocio_module", "load_config", "config_names",
           "is_builtin", "builtin_configs"]

DEFAULT_CONFIG = "ocio://studio-config-v5.0.0_aces-v2.1_ocio-v2.6"
ACES1_CONFIG = "ocio://studio-config-v2.2.0_aces-v1.3_ocio-v2.4"
WORKING_SPACE = "Linear Rec.709 (sRGB)"
# Where a CDL is applied by default: the config's colour-timing role (ACEScct in the ACES
# configs), the log space colourists grade in.
GRADING_SPACE = "color_timing"


class ColorConfigError(ShotspecError):
    """E216: a config or colour transform that cannot be used (OpenColorIO missing, a file
    that is not a config, a transform OCIO refuses); ``message`` and ``hint`` as diagnostics."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(Diagnostic.of("E216", message, help=hint or None))


def ocio_module():
    """``PyOpenColorIO``, or :class:`ColorConfigError` saying how to install it."""
    try:
        import PyOpenColorIO  # noqa: PLC0415 - 0.1 s; only when colour is managed
    except ImportError as exc:
        raise ColorConfigError("OpenColorIO is not installed (the Python package "
                               "`opencolorio`)", "pip install 'opencolorio>=2.6'") from exc
    return PyOpenColorIO


def is_builtin(source: str) -> bool:
    return source.startswith("ocio://")


def builtin_configs() -> tuple[str, ...]:
    """The ``ocio://`` URIs this OpenColorIO offers (names, the ``-latest`` aliases, default)."""
    ocio = ocio_module()
    names = [f"ocio://{entry[0]}" for entry in ocio.BuiltinConfigRegistry().getBuiltinConfigs()]
    return tuple(names + ["ocio://default", "ocio://studio-config-latest",
                          "ocio://cg-config-latest"])


@lru_cache(maxsize=16)
def _load(source: str, stamp: tuple) -> object:
    ocio = ocio_module()
    if not is_builtin(source) and not os.path.isfile(source):
        raise ColorConfigError(f"colour config `{source}` not found",
                               "give a built-in URI (`ocio://studio-config-latest`) or the "
                               "path of a .ocio file, relative to the spec")
    try:
        config = ocio.Config.CreateFromFile(source)
        config.validate()
    except ocio.Exception as exc:
        if is_builtin(source):
            raise ColorConfigError(f"`{source}` is not a config built into OpenColorIO "
                                   f"{ocio.__version__}",
                                   did_you_mean(source, builtin_configs(), "built-in configs")
                                   or "") from exc
        raise ColorConfigError(f"colour config `{source}` cannot be used: {exc}",
                               "check the file with `ociocheck`") from exc
    return config


def _stamp(source: str) -> tuple:
    if is_builtin(source) or not os.path.isfile(source):
        return ()
    st = os.stat(source)
    return (st.st_size, st.st_mtime_ns)


def load_config(source: str):
    """The ``PyOpenColorIO.Config`` at ``source`` (``ocio://…`` or an absolute path), cached;
    a file is re-read when its size or modification time changes."""
    return _load(source, _stamp(source))


@dataclass(frozen=True)
class ConfigNames:
    """What a config calls its colour spaces (with aliases and roles), displays, views per
    display and looks."""

    name: str
    colour_spaces: tuple[str, ...]
    aliases: tuple[str, ...]
    roles: tuple[str, ...]
    displays: tuple[str, ...]
    views: dict[str, tuple[str, ...]]
    looks: tuple[str, ...]
    default_display: str

    def space_known(self, name: str) -> bool:
        return name in self.colour_spaces or name in self.aliases or name in self.roles


def config_names(source: str) -> ConfigNames:
    """The names ``source``'s config defines, cached like the config (the compiler asks on
    every compile of a shot with colour settings)."""
    return _names(source, _stamp(source))


@lru_cache(maxsize=16)
def _names(source: str, stamp: tuple) -> ConfigNames:
    config = _load(source, stamp)
    spaces = tuple(cs.getName() for cs in config.getColorSpaces())
    aliases = tuple(a for cs in config.getColorSpaces() for a in cs.getAliases())
    displays = tuple(config.getDisplays())
    return ConfigNames(name=config.getName(), colour_spaces=spaces, aliases=aliases,
                       roles=tuple(r for r, _ in config.getRoles()), displays=displays,
                       views={d: tuple(config.getViews(d)) for d in displays},
                       looks=tuple(look.getName() for look in config.getLooks()),
                       default_display=config.getDefaultDisplay())
