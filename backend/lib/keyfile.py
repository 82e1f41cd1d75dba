"""Secret key files in VAR_DIR (the VAPID key, the agency secret key): written once, mode
0600, with no moment at which another process could read half a key."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_private"]


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
