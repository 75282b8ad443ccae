"""Optimiser rules, one per module, each ``verb_object(plan) -> plan``."""
