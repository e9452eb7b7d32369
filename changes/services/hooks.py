"""Optional analysis hooks (impact, risk, conflicts) looked up at call time, so the write services work alone."""

import importlib


def optional_hook(module: str, name: str):
    """`module.name` when that module and function exist, else None. Errors inside the module still raise."""
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None
    return getattr(found, name, None)


def change_analysis_refresh(*, change) -> None:
    """Recompute what depends on a change's CIs and type: impacted services first, then the risk they feed."""
    impact_refresh = optional_hook("changes.impact", "change_impact_refresh")
    if impact_refresh is not None:
        impact_refresh(change=change)
    risk_refresh = optional_hook("changes.risk", "risk_refresh")
    if risk_refresh is not None:
        risk_refresh(change=change)
