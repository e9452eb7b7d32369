"""Risk of a change, computed from its type, its impact in the CMDB and the history of changes on its CIs.

Each factor adds points; the sum gives the risk. Every factor that was considered leaves a reason, so the
requester and the CAB see why (reasons are sentences in the language active when the risk was computed).

| factor | condition | points |
|---|---|---:|
| type | standard (pre-approved) / normal / emergency | 0 / 1 / 3 |
| production | at least one of the change's own CIs is in production | 2 |
| impacted services | 1–2 / 3–9 / 10 or more services (CMDB impact of the CIs, retired services left out) | 1 / 2 / 3 |
| service criticality | at least one impacted service's CI has high criticality | 2 |
| failure rate | share of completed past changes on the same CIs that failed or were backed out: | |
|  | ≥ 10 % / ≥ 25 % / ≥ 50 % (ignored with fewer than `MIN_HISTORY` = 3 completed changes) | 1 / 2 / 3 |

| score | risk |
|---|---|
| 0–2 | low |
| 3–4 | medium |
| 5–7 | high |
| 8 or more | very high |

Examples: a normal change on one production server that impacts one medium service scores 1 + 2 + 1 = 4
(medium); an emergency change on production impacting a high-criticality service scores 3 + 2 + 1 + 2 = 8
(very high); a standard change on a test VM scores 0 (low).
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from changes.choices import ChangeStatusChoices, ChangeTypeChoices, OutcomeChoices, RiskChoices
from changes.impact import ChangeImpact, change_impact
from changes.models import Change
from cmdb.choices import CriticalityChoices, EnvironmentChoices
from cmdb.models import ConfigurationItem

TYPE_POINTS = {ChangeTypeChoices.STANDARD: 0, ChangeTypeChoices.NORMAL: 1, ChangeTypeChoices.EMERGENCY: 3}
PRODUCTION_POINTS = 2
HIGH_CRITICALITY_POINTS = 2
# (at least this many impacted services, points), highest first.
SERVICE_COUNT_POINTS = ((10, 3), (3, 2), (1, 1))
# (at least this failure percentage, points), highest first.
FAILURE_RATE_POINTS = ((50, 3), (25, 2), (10, 1))
# Fewer completed changes than this say nothing about how risky changes on these CIs are.
MIN_HISTORY = 3
# (at least this score, risk), highest first.
RISK_BANDS = ((8, RiskChoices.VERY_HIGH), (5, RiskChoices.HIGH), (3, RiskChoices.MEDIUM), (0, RiskChoices.LOW))
COMPLETED_STATUSES = (ChangeStatusChoices.REVIEW, ChangeStatusChoices.CLOSED)
FAILED_OUTCOMES = (OutcomeChoices.FAILED, OutcomeChoices.BACKED_OUT)
NAMES_SHOWN = 3


@dataclass(frozen=True)
class RiskAssessment:
    """The computed risk, its score and the reasons behind it."""

    risk: str
    score: int
    reasons: list[str] = field(default_factory=list)


def names_list(names: list[str], limit: int = NAMES_SHOWN) -> str:
    """ "a, b, c and 2 more" (the first `limit` names)."""
    shown = ", ".join(names[:limit])
    rest = len(names) - limit
    if rest <= 0:
        return shown
    return ngettext("%(names)s and %(count)d more", "%(names)s and %(count)d more", rest) % {
        "names": shown,
        "count": rest,
    }


def _points_for(value, table) -> int:
    return next((points for threshold, points in table if value >= threshold), 0)


def _type_reason(change_type: str) -> str:
    return {
        ChangeTypeChoices.STANDARD: _("Standard change: pre-approved and of known, low risk."),
        ChangeTypeChoices.NORMAL: _("Normal change: assessed and authorised before it is scheduled."),
        ChangeTypeChoices.EMERGENCY: _("Emergency change: little time to assess, test and plan the back-out."),
    }[change_type]


def _environment_factor(ci_ids: frozenset[int]) -> tuple[int, str]:
    environments = Counter(ConfigurationItem.objects.filter(pk__in=ci_ids).values_list("environment", flat=True))
    if not environments:
        return 0, _("No configuration items named: the impact cannot be assessed.")
    production = environments.get(EnvironmentChoices.PRODUCTION, 0)
    if production:
        message = ngettext("Touches %(count)d production CI.", "Touches %(count)d production CIs.", production)
        return PRODUCTION_POINTS, message % {"count": production}
    labels = dict(EnvironmentChoices.choices)
    others = ", ".join(str(labels.get(env, env)).lower() for env in sorted(environments))
    return 0, _("Touches no production CI (only %(environments)s).") % {"environments": others}


def _service_factors(impact: ChangeImpact) -> tuple[int, list[str]]:
    services = impact.services
    if not services:
        return 0, [_("Impacts no service of the catalog.")]
    count = len(services)
    names = [service.name for service in services]
    message = ngettext("Impacts %(count)d service: %(names)s.", "Impacts %(count)d services: %(names)s.", count)
    reasons = [message % {"count": count, "names": names_list(names)}]
    points = _points_for(count, SERVICE_COUNT_POINTS)
    critical = [s.name for s in services if s.criticality == CriticalityChoices.HIGH]
    if critical:
        message = ngettext(
            "Impacts %(count)d high-criticality service: %(names)s.",
            "Impacts %(count)d high-criticality services: %(names)s.",
            len(critical),
        )
        reasons.append(message % {"count": len(critical), "names": names_list(critical)})
        points += HIGH_CRITICALITY_POINTS
    if impact.truncated:
        reasons.append(_("The impact analysis stopped at its size limit: more may be impacted."))
    return points, reasons


def _history_factor(ci_ids: frozenset[int], exclude_change_id: int | None) -> tuple[int, str | None]:
    if not ci_ids:
        return 0, None
    # Counted in a subquery so a change on several of the CIs counts once.
    touching = Change.configuration_items.through.objects.filter(configurationitem_id__in=ci_ids)
    completed = Change.objects.filter(
        pk__in=touching.values("change_id"), status__in=COMPLETED_STATUSES, outcome__isnull=False
    )
    if exclude_change_id is not None:
        completed = completed.exclude(pk=exclude_change_id)
    totals = completed.aggregate(total=Count("pk"), failed=Count("pk", filter=Q(outcome__in=FAILED_OUTCOMES)))
    total, failed = totals["total"], totals["failed"]
    if total == 0:
        return 0, _("No completed past changes on these CIs.")
    if total < MIN_HISTORY:
        message = ngettext(
            "Only %(count)d completed past change on these CIs: too few to judge their failure rate.",
            "Only %(count)d completed past changes on these CIs: too few to judge their failure rate.",
            total,
        )
        return 0, message % {"count": total}
    percent = round(100 * failed / total)
    message = ngettext(
        "%(failed)d of %(total)d past change on these CIs failed (%(percent)d%%).",
        "%(failed)d of %(total)d past changes on these CIs failed (%(percent)d%%).",
        total,
    )
    return _points_for(percent, FAILURE_RATE_POINTS), message % {"failed": failed, "total": total, "percent": percent}


def risk_for_score(score: int) -> str:
    """The risk level of a score (see the table above)."""
    return next(risk for threshold, risk in RISK_BANDS if score >= threshold).value


def risk_assess(
    *,
    change_type: str,
    ci_ids: Iterable[int],
    exclude_change_id: int | None = None,
    impact: ChangeImpact | None = None,
) -> RiskAssessment:
    """Score a (possibly unsaved) change; `impact` may be passed when the caller already computed it."""
    if change_type not in TYPE_POINTS:
        raise ValueError(f"unknown change type {change_type!r}")
    impact = impact if impact is not None else change_impact(ci_ids)
    score = TYPE_POINTS[change_type]
    reasons = [_type_reason(change_type)]
    points, reason = _environment_factor(impact.ci_ids)
    score += points
    reasons.append(reason)
    if impact.ci_ids:
        points, service_reasons = _service_factors(impact)
        score += points
        reasons.extend(service_reasons)
    points, reason = _history_factor(impact.ci_ids, exclude_change_id)
    score += points
    if reason:
        reasons.append(reason)
    return RiskAssessment(risk=risk_for_score(score), score=score, reasons=reasons)


def risk_refresh(*, change, impact: ChangeImpact | None = None) -> RiskAssessment:
    """Recompute the change's risk and reasons and save them (audited); an overridden `risk` is kept.

    `impact`: what `change_impact_refresh` returned just before, to walk the CMDB once. Derived fields: the
    version (ETag) is not bumped, so a user's pending edit does not go stale because the CMDB or the change
    history moved.
    """
    assessment = risk_assess(
        change_type=change.type,
        ci_ids=change.configuration_items.values_list("pk", flat=True),
        exclude_change_id=change.pk,
        impact=impact,
    )
    risk = change.risk if (change.risk_override_reason or "").strip() else assessment.risk
    current = (change.risk_computed, change.risk_reasons, change.risk)
    if current != (assessment.risk, assessment.reasons, risk):
        change.risk_computed, change.risk_reasons, change.risk = assessment.risk, assessment.reasons, risk
        change.save(update_fields=["risk_computed", "risk_reasons", "risk", "updated_at"])
    return assessment
