"""Release Management, the definitive media library and licences."""
