"""Placeholder replaced below."""
def format_source(text, path):
    return text, []
