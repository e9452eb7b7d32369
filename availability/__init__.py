"""Availability Management."""
