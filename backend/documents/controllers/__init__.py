"""The documents domain's routes: the wallet, and resumable uploads for weak links."""

from __future__ import annotations

from backend.documents.controllers.uploads import UploadController
from backend.documents.controllers.wallet import DocumentController

__all__ = ["DocumentController", "UploadController"]
