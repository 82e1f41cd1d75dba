"""Fixtures of the platform's tests: the outbox's delivers to the local push service."""

from __future__ import annotations

from tests.support.pushes import clock, push, settings, vapid

__all__ = ["clock", "push", "settings", "vapid"]  # fixtures for the tests here
