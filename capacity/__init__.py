"""Capacity Management."""
