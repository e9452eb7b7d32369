"""IT Service Continuity Management."""
