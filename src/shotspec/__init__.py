"""shotspec: a declarative language and torch renderer for cinematic skin close-ups."""

__version__ = "0.1.0"
__all__ = ["__version__"]
