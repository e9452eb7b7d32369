"""Conflicts of a change's planned window: other changes on related CIs, blackout windows, maintenance windows.

A CI counts with everything its failure impacts (CMDB impact), in both directions:

- `ci_overlap`: another change in a planned status (`PLANNED_STATUSES`) whose planned window overlaps and
  whose CIs are this change's CIs or impacted by them (downstream), or whose CIs' failure would impact this
  change's CIs (upstream). The upstream direction is not computed by walking the impact of every candidate
  change: it is the dependency walk (`cmdb.selectors.DEPENDENCIES`) of *this* change's CIs — "B's impact
  contains a" is "B's CI is among what a depends on" — one query whatever the number of candidates, and only
  run when some time-overlapping candidate was not already matched by the direct or downstream sets.
  Candidates are found by time first (`selectors.planned_overlap`): few changes overlap any given window.
- `blackout`: a blackout window overlapping the planned window that covers one of the change's CIs, a CI
  they impact, or a service they impact; a window naming neither services nor CIs covers everything.
- `outside_maintenance`: for each of the change's CIs and impacted services that has maintenance windows
  (or all of them when there are maintenance windows for everything), one of those windows must contain the
  whole planned window; one conflict lists the CIs and services for which none does.

Both walks are capped like `ci_impact` at 10,000 CIs, nearest first (see `changes.impact`). The query count
does not depend on how many conflicts there are (at most 12 queries).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from changes.choices import PLANNED_STATUSES, ConflictKindChoices, WindowKindChoices
from changes.impact import ChangeImpact, change_impact, upstream_cis
from changes.models import Change, ChangeWindow
from changes.risk import names_list
from changes.selectors import planned_overlap
from cmdb.models import ConfigurationItem

ChangeCIs = Change.configuration_items.through
WindowCIs = ChangeWindow.configuration_items.through
WindowServices = ChangeWindow.services.through


@dataclass(frozen=True)
class Conflict:
    """One conflict as the API returns it: kind, the other change or the window (ids or None), and a sentence."""

    kind: str
    change: int | None
    window: int | None
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


def period(start: datetime, end: datetime) -> str:
    """ "12/05/2026 22:00 – 13/05/2026 02:00" in the active time zone and locale."""
    fmt = "SHORT_DATETIME_FORMAT"
    return (
        f"{formats.date_format(timezone.localtime(start), fmt)} – {formats.date_format(timezone.localtime(end), fmt)}"
    )


class _Pending:
    """Conflicts whose sentences name CIs: collected first, then the names are read with one query.

    A sentence is `template % values`, where `%(what)s` becomes the named CIs followed by `extra` phrases.
    """

    def __init__(self):
        self.items = []
        self.ci_ids: set[int] = set()

    def add(self, kind, *, template: str, values: dict, change=None, window=None, cis=frozenset(), extra=()):
        self.items.append((kind, change, window, template, values, cis, list(extra)))
        self.ci_ids.update(cis)

    def resolve(self) -> list[Conflict]:
        names = {}
        if self.ci_ids:
            names = dict(ConfigurationItem.objects.filter(pk__in=self.ci_ids).values_list("pk", "name"))
        conflicts = []
        for kind, change, window, template, values, cis, extra in self.items:
            what = names_list(sorted(names.get(pk, f"#{pk}") for pk in cis) + extra)
            conflicts.append(Conflict(str(kind), change, window, template % {**values, "what": what}))
        return conflicts


def _overlapping_changes(pending: _Pending, impact: ChangeImpact, start, end, exclude_change_id, user) -> None:
    links = ChangeCIs.objects.filter(
        planned_overlap(start, end, prefix="change__"), change__status__in=PLANNED_STATUSES
    )
    if exclude_change_id is not None:
        links = links.exclude(change_id=exclude_change_id)
    changes, cis_by_change = {}, defaultdict(set)
    for change_id, ci_id, number, title, planned_start, planned_end in links.values_list(
        "change_id",
        "configurationitem_id",
        "change__number",
        "change__title",
        "change__planned_start",
        "change__planned_end",
    ):
        changes[change_id] = (number, title, planned_start, planned_end)
        cis_by_change[change_id].add(ci_id)
    downstream = impact.impacted - impact.ci_ids
    unmatched = any(not cis & impact.impacted for cis in cis_by_change.values())
    upstream = upstream_cis(impact.ci_ids) - impact.ci_ids if unmatched and impact.ci_ids else set()
    matches = {}
    for change_id, cis in cis_by_change.items():
        for template, related in (
            (_("%(change)s (%(period)s) also changes %(what)s."), impact.ci_ids),
            (
                _("%(change)s (%(period)s) changes %(what)s, which a failure of this change's CIs would impact."),
                downstream,
            ),
            (_("%(change)s (%(period)s) changes %(what)s, whose failure would impact this change's CIs."), upstream),
        ):
            if shared := cis & related:
                matches[change_id] = (template, shared)
                break
    if not matches:
        return
    visible = set(matches)
    if user is not None:
        visible = set(Change.objects.restrict(user, "view").filter(pk__in=matches).values_list("pk", flat=True))
    for change_id in sorted(matches, key=lambda pk: (changes[pk][2], pk)):
        template, shared = matches[change_id]
        number, title, planned_start, planned_end = changes[change_id]
        shown = change_id in visible
        pending.add(
            ConflictKindChoices.CI_OVERLAP,
            change=change_id if shown else None,
            template=template,
            values={
                "change": f"{number} “{title}”" if shown else _("Another change"),
                "period": period(planned_start, planned_end),
            },
            cis=shared,
        )


def _window_links(model, column: str, window_ids) -> dict[int, set[int]]:
    links = defaultdict(set)
    for window_id, target_id in model.objects.filter(changewindow_id__in=window_ids).values_list(
        "changewindow_id", column
    ):
        links[window_id].add(target_id)
    return links


def _blackouts(pending: _Pending, impact: ChangeImpact, start, end) -> None:
    windows = list(
        ChangeWindow.objects.filter(kind=WindowKindChoices.BLACKOUT, start__lt=end, end__gt=start).only(
            "id", "name", "start", "end"
        )
    )
    if not windows:
        return
    ids = [w.pk for w in windows]
    window_cis = _window_links(WindowCIs, "configurationitem_id", ids)
    window_services = _window_links(WindowServices, "service_id", ids)
    services = {service.pk: service.name for service in impact.services}
    for window in windows:
        cis, service_ids = window_cis.get(window.pk, set()), window_services.get(window.pk, set())
        values = {"window": window.name, "period": period(window.start, window.end)}
        if not cis and not service_ids:
            template = _("In the blackout window “%(window)s” (%(period)s), which freezes every change.")
            pending.add(ConflictKindChoices.BLACKOUT, window=window.pk, template=template, values=values)
            continue
        # The change's own CIs first: "covers db-01" says more than "covers a service db-01 feeds".
        shared = (cis & impact.ci_ids) or (cis & impact.impacted)
        shared_services = [] if shared else sorted(services[pk] for pk in service_ids & services.keys())
        if shared or shared_services:
            pending.add(
                ConflictKindChoices.BLACKOUT,
                window=window.pk,
                template=_("In the blackout window “%(window)s” (%(period)s), which covers %(what)s."),
                values=values,
                cis=shared,
                extra=[_("the service %(name)s") % {"name": name} for name in shared_services],
            )


def _maintenance_coverage(model, column: str, targets, start, end) -> dict[int, bool]:
    """For each target (CI or service) with maintenance windows: whether one of them contains [start, end].

    `targets=None`: every target that has windows (services: few have windows, while a change may impact
    thousands, so reading those few beats sending thousands of ids).
    """
    rows = model.objects.filter(changewindow__kind=WindowKindChoices.MAINTENANCE)
    if targets is not None:
        if not targets:
            return {}
        rows = rows.filter(**{f"{column}__in": targets})
    rows = rows.values(column).annotate(
        containing=Count("pk", filter=Q(changewindow__start__lte=start, changewindow__end__gte=end))
    )
    return {row[column]: row["containing"] > 0 for row in rows}


def _outside_maintenance(pending: _Pending, impact: ChangeImpact, start, end) -> None:
    everything = ChangeWindow.objects.filter(kind=WindowKindChoices.MAINTENANCE).filter(
        ~Exists(WindowCIs.objects.filter(changewindow_id=OuterRef("pk"))),
        ~Exists(WindowServices.objects.filter(changewindow_id=OuterRef("pk"))),
    )
    general = everything.aggregate(total=Count("pk"), containing=Count("pk", filter=Q(start__lte=start, end__gte=end)))
    if general["containing"]:
        return  # a window for everything holds the whole change
    services = {service.pk: service.name for service in impact.services}
    ci_coverage = _maintenance_coverage(WindowCIs, "configurationitem_id", impact.ci_ids, start, end)
    service_coverage = {}
    if services:
        coverage = _maintenance_coverage(WindowServices, "service_id", None, start, end)
        service_coverage = {pk: covered for pk, covered in coverage.items() if pk in services}
    if general["total"]:
        # Windows for everything apply to every CI and service: those without a containing window of their own.
        outside_cis = {pk for pk in impact.ci_ids if not ci_coverage.get(pk)}
        outside_services = [name for pk, name in services.items() if not service_coverage.get(pk)]
        if not impact.ci_ids:
            template = _("Not inside a maintenance window: there are windows for everything and none contains it.")
            pending.add(ConflictKindChoices.OUTSIDE_MAINTENANCE, template=template, values={})
            return
    else:
        outside_cis = {pk for pk, covered in ci_coverage.items() if not covered}
        outside_services = [services[pk] for pk, covered in service_coverage.items() if not covered]
    if outside_cis or outside_services:
        pending.add(
            ConflictKindChoices.OUTSIDE_MAINTENANCE,
            template=_("Not inside a maintenance window of %(what)s: none of their windows contains it."),
            values={},
            cis=outside_cis,
            extra=[_("the service %(name)s") % {"name": name} for name in sorted(outside_services)],
        )


def change_conflicts(
    *,
    ci_ids: Iterable[int],
    planned_start: datetime | None,
    planned_end: datetime | None,
    exclude_change_id: int | None = None,
    user=None,
    impact: ChangeImpact | None = None,
) -> list[Conflict]:
    """Conflicts of a (possibly unsaved) change; none without a valid planned window.

    With `user`, other changes the user may not view are reported without their number, title or id.
    """
    if planned_start is None or planned_end is None or planned_end <= planned_start:
        return []
    impact = impact if impact is not None else change_impact(ci_ids)
    pending = _Pending()
    _overlapping_changes(pending, impact, planned_start, planned_end, exclude_change_id, user)
    _blackouts(pending, impact, planned_start, planned_end)
    _outside_maintenance(pending, impact, planned_start, planned_end)
    return pending.resolve()


def conflicts_for(change: Change, *, user=None, impact: ChangeImpact | None = None) -> list[Conflict]:
    """Conflicts of a saved change (itself excluded from the overlapping changes)."""
    return change_conflicts(
        ci_ids=change.configuration_items.values_list("pk", flat=True),
        planned_start=change.planned_start,
        planned_end=change.planned_end,
        exclude_change_id=change.pk,
        user=user,
        impact=impact,
    )
