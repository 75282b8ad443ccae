"""shotspec.compiler."""
