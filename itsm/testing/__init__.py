"""Importable test bases: API CRUD + permission matrix, query-count guard, workflow matrix."""
