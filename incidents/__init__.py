"""Incident Management and the Service Desk."""
