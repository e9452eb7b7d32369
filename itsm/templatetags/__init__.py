"""Template tags of the core UI."""
