"""The base Struct every request/response type derives from."""

from __future__ import annotations

import msgspec

__all__ = ["CamelStruct", "I18n", "Struct"]


class Struct(msgspec.Struct, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    """Responses omit fields left at their default, keeping payloads small on slow links."""


class CamelStruct(Struct, rename="camel"):
    """For protocol objects whose standard spells fields in camelCase (WebAuthn, Web Push)."""


class I18n(msgspec.Struct, frozen=True, array_like=False):
    """A text in Thai and English; Thai is the primary language."""

    th: str
    en: str
