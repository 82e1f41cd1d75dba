"""The transactional outbox: enqueue inside a transaction (`queue`), deliver with a worker
(`worker`) through the handler registered for each message kind (`outcomes`, `http`)."""
