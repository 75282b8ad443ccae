"""shotspec.lsp: the .shot language server, ``shot lsp`` (pygls + lsprotocol over stdio).

Diagnostics on every change of the unsaved buffer (the compiler ``shot check`` runs, lints
included), hover with the schema's docs, value origins and derived camera and colour values,
completion, go-to-definition and references, the outline, ``shot fmt`` formatting, semantic
tokens, quick fixes, and unsaved buffers forwarded to a running ``shot preview``. See
docs/editor.md. Never imports torch.
"""

from __future__ import annotations

__all__ = ["serve"]


def serve() -> int:
    """Run the language server on stdin/stdout until the editor ends the session."""
    from shotspec.lsp.server import serve as _serve

    return _serve()
