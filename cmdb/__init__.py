"""Configuration Management (CMDB)."""
