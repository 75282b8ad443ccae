"""The one file hasher: streamed sha256 equals hashlib's digest of the whole file."""

import hashlib
import os

import pytest

from shotspec.file_hash import CHUNK_BYTES, sha256_file, sha256_file_memoised


def test_sha256_of_a_file_larger_than_one_chunk_equals_hashlib(tmp_path):
    data = os.urandom(2 * CHUNK_BYTES + 12345)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
    assert sha256_file(str(path)) == hashlib.sha256(data).hexdigest()


def test_empty_file_has_the_empty_digest(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    assert sha256_file(path) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_memoised_hash_follows_a_changed_file(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"one")
    assert sha256_file_memoised(path) == hashlib.sha256(b"one").hexdigest()
    path.write_bytes(b"two, longer")         # a different size: a new key
    assert sha256_file_memoised(path) == hashlib.sha256(b"two, longer").hexdigest()


def test_missing_file_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        sha256_file(tmp_path / "absent")
