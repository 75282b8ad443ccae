"""shotspec.cli."""
