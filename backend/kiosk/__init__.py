"""Kiosks at district offices: registered devices, assisted sessions with consent, receipts."""
