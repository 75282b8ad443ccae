"""Image input/output: reading plates and images, writing outputs atomically with provenance."""

from shotspec.runtime.io.errors import ImageError
from shotspec.runtime.io.image_read import read_image
from shotspec.runtime.io.image_write import same_file, write_image
from shotspec.runtime.io.plate import load_plate
from shotspec.runtime.io.provenance import read_provenance

__all__ = ["read_image", "write_image", "read_provenance", "load_plate", "same_file", "ImageError"]
