"""Security Management."""
