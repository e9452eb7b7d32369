"""Agent UI views of Incident Management, and the requester portal."""
