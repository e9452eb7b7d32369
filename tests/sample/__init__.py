"""A test-only ticket model that exercises the shared core (numbering, workflow, ETag, journal, audit)."""
