"""Cross-cutting pieces shared by every domain: errors, database, middleware, logging."""
