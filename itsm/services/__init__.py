"""Write services of the shared core (keyword-only, one transaction, side effects after commit)."""
