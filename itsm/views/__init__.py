"""Browser views of the shared core."""
