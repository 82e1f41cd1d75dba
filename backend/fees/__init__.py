"""Fees: what an application owes, its Thai QR code, the agency's confirmation, the e-receipt."""
