"""Documents: the citizen's wallet. A document is uploaded once and reused by every service
that asks for its type (see `services` for the API other domains call)."""
