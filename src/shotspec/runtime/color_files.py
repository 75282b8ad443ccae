"""Colour at the file boundaries: plates into the working space from their declared colour
space, and the output's scene-linear working space to display code values in the form the
image writer takes them.

With a ``display`` or ``view`` on ``output`` (docs/color.md) the frame arriving at the output
node is scene-linear in the working space. OpenColorIO applies the config's look (if any), the
view (the tone mapping: e.g. ACES 2.0 SDR 100 nits) and the display's encoding, giving the
display's code values; a ``lut`` (a ``.cube`` display LUT) then applies to those code values.

The image writer (``runtime.io.image_write.write_image``) takes linear light and applies the
file's transfer curve (``output.colorspace``: sRGB or BT.709). So that the file holds exactly
the display's code values, they are decoded here with the inverse of that curve
(``decode_for_file``); the writer's encode gives them back (within 1e-6, far below a 16-bit
step). Linear files (EXR, float TIFF) keep the scene-linear working space — the VFX convention
for interchange: the viewer applies the view — so nothing is baked into them.

Without a display/view, an output ``lut`` applies to the file's code values of the
(tone-mapped) frame: encoded with the file's curve, looked up, decoded.
"""

from __future__ import annotations

import torch

from shotspec.compiler.color_check import viewed
from shotspec.compiler.ir import OutputIR
from shotspec.runtime.color_management import convert, display_view, file_lut
from shotspec.runtime.frame import Frame

__all__ = ["display_frame", "decode_for_file", "encode_for_file", "plate_to_working",
           "file_transfer"]
def encode_for_file(linear: torch.Tensor, colorspace: str) -> torch.Tensor:
    """Linear light → the file's code values (the writer's curve: sRGB or BT.709)."""
    from shotspec.runtime.io.image_write import encode_transfer  # noqa: PLC0415

    return encode_transfer(linear, colorspace)


def decode_for_file(code: torch.Tensor, colorspace: str) -> torch.Tensor:
    """The inverse of the writer's curve: code values 0..1 → the linear light it encodes back
    to the same code values (the readers' decoding: ``image_read.decode_transfer``)."""
    from shotspec.runtime.io.image_read import decode_transfer  # noqa: PLC0415

    return decode_transfer(code, colorspace)


def display_frame(frame: Frame, output: OutputIR) -> Frame:
    """``frame`` as the writer should receive it for ``output`` (unchanged when the output has
    no display, view or LUT, or writes a linear file)."""
    cs = output.colorspace
    if cs == "linear" or not (viewed(output) or output.lut):
        return frame
    if viewed(output):
        code = display_view(frame.rgb, output.config, output.working,
                            output.display or _default_display(output.config),
                            output.view or _default_view(output), output.look)
    else:
        code = encode_for_file(frame.rgb, cs)
    if output.lut:
        code = file_lut(code, output.config, output.lut)
    return frame.with_rgb(decode_for_file(code, cs))


def _default_display(config: str) -> str:
    from shotspec.color_config import load_config  # noqa: PLC0415

    return load_config(config).getDefaultDisplay()


def _default_view(output: OutputIR) -> str:
    from shotspec.color_config import load_config  # noqa: PLC0415

    config = load_config(output.config)
    return config.getDefaultView(output.display or config.getDefaultDisplay())


def file_transfer(path: str) -> str:
    """The transfer curve the plate loader decoded ``path`` with (``runtime.io.image_read``):
    ``linear`` for EXR and float TIFF, else our own provenance tag, else ``srgb``; a video's
    from its stream's tags (``shotspec.plate_tags``: ``rec709``, ``srgb``, ``pq``, ``hlg`` …)."""
    from shotspec.plate_sequences import is_video  # noqa: PLC0415
    from shotspec.runtime.io.image_read import read_raw, sniff_format  # noqa: PLC0415
    from shotspec.runtime.io.png import read_png_text  # noqa: PLC0415

    if is_video(path):
        from shotspec.runtime.io.video_read import video_transfer  # noqa: PLC0415

        return video_transfer(path)
    with open(path, "rb") as fh:
        data = fh.read()
    fmt = sniff_format(data[:16])
    if fmt == "exr":
        return "linear"
    if fmt == "png":
        tag = read_png_text(data).get("shotspec:colorspace", "srgb")
    elif fmt == "tiff":
        _, info = read_raw(path)
        tag = "linear" if info["float"] else info["text"].get("shotspec:colorspace", "srgb")
    else:
        tag = "srgb"
    return tag if tag in ("srgb", "rec709", "linear") else "srgb"


def plate_to_working(rgb: torch.Tensor, source) -> torch.Tensor:
    """A plate the loader decoded to ``rgb`` (with :func:`file_transfer`'s curve), taken back
    to the file's code values and converted by OpenColorIO from ``source.colorspace`` (its
    declared colour space) to the working space of ``source.config``. A video plate with a
    declared colour space arrives as its code values already (``load_plate`` reads it so,
    whatever its stream's transfer tag: PQ, HLG, a camera's log under any tag)."""
    from shotspec.plate_sequences import is_video  # noqa: PLC0415

    code = rgb if is_video(source.plate) else encode_for_file(rgb, file_transfer(source.plate))
    return convert(code, source.config, source.colorspace, source.working)
