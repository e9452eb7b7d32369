"""CMDB write services."""
