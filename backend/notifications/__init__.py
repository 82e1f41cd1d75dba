"""Notifications: the transactional outbox, the worker that drains it, and Web Push."""
