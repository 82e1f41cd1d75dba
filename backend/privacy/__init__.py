"""Personal data under Thailand's PDPA: the append-only audit log, consent, export, erasure."""
