"""The preview announcement: found while its process lives, private, ignored once stale."""

import json
import os
import stat

from shotspec.preview import registry


def test_announce_find_withdraw(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    spec = tmp_path / "a.shot"
    spec.write_text("shot a {}\n")
    entry = registry.announce(spec, 40123, "tok")
    found = registry.find_preview(spec)
    assert found is not None and found.port == 40123 and found.token == "tok"
    assert found.buffer_url == "http://127.0.0.1:40123/api/buffer"
    assert stat.S_IMODE(os.stat(entry).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(entry.parent).st_mode) == 0o700
    assert "a.shot" not in entry.name
    registry.withdraw(spec)
    assert registry.find_preview(spec) is None


def test_stale_announcement_is_ignored_and_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    spec = tmp_path / "b.shot"
    entry = registry.announce(spec, 40124, "tok")
    record = json.loads(entry.read_text())
    record["pid"] = 2 ** 22 + 12345   # above pid_max: no such process
    entry.write_text(json.dumps(record))
    assert registry.find_preview(spec) is None
    assert not entry.exists()
