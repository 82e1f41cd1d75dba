"""The web front: the PWA served from memory (`static`) and ETags on JSON GETs (`etag`)."""
