"""shotspec.specs."""
