"""Change Management and the CAB."""
