"""Fixtures of the Web Push and notification tests."""

from __future__ import annotations

from tests.support.pushes import clock, push, settings, vapid

__all__ = ["clock", "push", "settings", "vapid"]  # fixtures for the tests here
