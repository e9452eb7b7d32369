"""Problem Management and the known error database."""
