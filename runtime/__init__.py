"""shotspec.runtime."""
