"""The documents domain's parts: routes, the hourly sweep of expired uploads, and its part of
a citizen's personal data."""

from __future__ import annotations

from backend.documents import personal_data
from backend.documents.controllers import DocumentController, UploadController
from backend.documents.services.uploads import sweep_uploads
from backend.system.registry import Housekeeping, Registry, Sweep

__all__ = ["register"]


async def _sweep(run: Housekeeping) -> dict[str, int]:
    swept = await sweep_uploads(run.settings, now=run.now)
    return {"document_upload": swept.uploads, "temporary files": swept.files}


def register(registry: Registry) -> None:
    registry.routes += [DocumentController, UploadController]
    registry.sweeps.append(Sweep("document_upload", _sweep))
    registry.personal_data.append(personal_data.PART)
