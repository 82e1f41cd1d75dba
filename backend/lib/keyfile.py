"""Secret key files in VAR_DIR (the VAPID key, the agency secret key, the national-ID keys):
written once, mode 0600, with no moment at which another process could read half a key; and
lists of keys given as a setting or kept in such a file (the first seals, every one opens)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import logging
import os
import tempfile
from pathlib import Path

__all__ = [
    "KEY_BYTES",
    "KeyMaterialError",
    "b64url",
    "b64url_decode",
    "decode_keys",
    "new_key",
    "read_keys",
    "var_path",
    "write_private",
]

log = logging.getLogger("portal.keys")

KEY_BYTES = 32


class KeyMaterialError(ValueError):
    """A key setting or key file is malformed."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key() -> str:
    """A fresh random key of KEY_BYTES, base64url."""
    return b64url(os.urandom(KEY_BYTES))


def decode_keys(text: str, source: str) -> list[bytes]:
    """The keys listed in `text` (base64url, separated by commas or white space)."""
    keys = []
    for part in text.replace(",", " ").split():
        try:
            key = b64url_decode(part)
        except (binascii.Error, ValueError) as exc:
            raise KeyMaterialError(f"{source} is not base64url") from exc
        if len(key) != KEY_BYTES:
            raise KeyMaterialError(f"{source} must hold keys of {KEY_BYTES} bytes (base64url)")
        keys.append(key)
    if not keys:
        raise KeyMaterialError(f"{source} holds no key")
    return keys


@functools.cache
def _from_setting(text: str, source: str) -> tuple[bytes, ...]:
    return tuple(decode_keys(text, source))


@functools.cache
def _from_file(path: str, version: tuple[int, int, int]) -> tuple[bytes, ...]:
    del version  # part of the cache key only: a rotated file is read again
    return tuple(decode_keys(Path(path).read_text(), path))


def var_path(var_dir: str, name: str) -> Path:
    """The file `name` in VAR_DIR, absolute: the directory is resolved once per process (a
    `stat` of each of its parts on every seal cost more than the seal itself)."""
    return _resolved(var_dir, "" if os.path.isabs(var_dir) else os.getcwd()) / name


@functools.lru_cache(maxsize=16)
def _resolved(var_dir: str, cwd: str) -> Path:
    return Path(cwd, var_dir).resolve()


def read_keys(configured: str, setting: str, path: Path) -> tuple[bytes, ...]:
    """The keys of a setting (read once per process), or else of the key file at `path`:
    made with one new key on first use, read again whenever it changed (a rotation by
    another process)."""
    if configured:
        return _from_setting(configured, setting)
    try:
        stat = path.stat()
    except FileNotFoundError:
        write_private(path, new_key().encode(), replace=False)
        log.info("created a key file", extra={"path": str(path)})
        stat = path.stat()
    return _from_file(str(path), (stat.st_mtime_ns, stat.st_ino, stat.st_size))


def write_private(path: Path, data: bytes, *, replace: bool) -> None:
    """Write `data` with mode 0600. Without `replace`, a file another process created
    meanwhile wins (and is kept): read `path` back afterwards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)  # atomic create-if-absent
    finally:
        Path(tmp).unlink(missing_ok=True)
