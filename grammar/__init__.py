"""shotspec.grammar."""
