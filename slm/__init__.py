"""Service Level Management."""
