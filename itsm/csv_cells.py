"""CSV cells that are safe in spreadsheets (no formula injection) and that read back to what was written."""

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection); a leading quote stops it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value) -> str:
    """The cell text, prefixed with a single quote when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def restore(text: str) -> str:
    """Undo `defuse` on a cell read back from one of our exports."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text
