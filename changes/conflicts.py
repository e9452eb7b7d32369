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
depends neither on how many conflicts there are (at most 12 queries) nor, with `conflicts_for_changes`, on how
many changes are checked together (a page of them: one more query, for their CIs): each step reads what every
change needs at once (changes and windows meeting any of the planned windows) and sorts it out per change.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import reduce
from operator import or_

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from changes.choices import PLANNED_STATUSES, ConflictKindChoices, WindowKindChoices
from changes.impact import ChangeImpact, change_impact, changes_impact, upstream_cis_of
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


@dataclass(frozen=True)
class _Subject:
    """A change whose conflicts are checked: what its CIs reach, its planned window, and its own id (not a conflict)."""

    impact: ChangeImpact
    start: datetime
    end: datetime
    exclude_change_id: int | None

    def meets(self, start: datetime, end: datetime) -> bool:
        return start < self.end and end > self.start


class _Pending:
    """A subject's conflicts whose sentences name CIs: collected first, the names of every subject's CIs are read
    afterwards with one query (`_resolve`).

    A sentence is `template % values`, where `%(what)s` becomes the named CIs followed by `extra` phrases.
    """

    def __init__(self):
        self.items = []
        self.ci_ids: set[int] = set()

    def add(self, kind, *, template: str, values: dict, change=None, window=None, cis=frozenset(), extra=()):
        self.items.append((kind, change, window, template, values, cis, list(extra)))
        self.ci_ids.update(cis)

    def resolve(self, names: dict[int, str]) -> list[Conflict]:
        conflicts = []
        for kind, change, window, template, values, cis, extra in self.items:
            what = names_list(sorted(names.get(pk, f"#{pk}") for pk in cis) + extra)
            conflicts.append(Conflict(str(kind), change, window, template % {**values, "what": what}))
        return conflicts


def _resolve(pendings: list[_Pending]) -> list[list[Conflict]]:
    ci_ids = set().union(*(pending.ci_ids for pending in pendings))
    names = dict(ConfigurationItem.objects.filter(pk__in=ci_ids).values_list("pk", "name")) if ci_ids else {}
    return [pending.resolve(names) for pending in pendings]


def _any_period(subjects, condition) -> Q:
    """`condition(start, end)` for any of the subjects' planned windows (each distinct window once)."""
    return reduce(or_, (condition(start, end) for start, end in dict.fromkeys((s.start, s.end) for s in subjects)))


def _overlapping_changes(pendings: list[_Pending], subjects: list[_Subject], user) -> None:
    overlap = _any_period(subjects, lambda start, end: planned_overlap(start, end, prefix="change__"))
    links = ChangeCIs.objects.filter(overlap, change__status__in=PLANNED_STATUSES)
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
    candidates = [
        {
            change_id: cis
            for change_id, cis in cis_by_change.items()
            if change_id != subject.exclude_change_id and subject.meets(changes[change_id][2], changes[change_id][3])
        }
        for subject in subjects
    ]
    # The upstream walk only for subjects with a time-overlapping candidate not matched directly or downstream.
    unmatched = {
        index: subject.impact.ci_ids
        for index, (subject, found) in enumerate(zip(subjects, candidates, strict=True))
        if subject.impact.ci_ids and any(not cis & subject.impact.impacted for cis in found.values())
    }
    upstream_by_subject = upstream_cis_of(unmatched) if unmatched else {}
    matches_by_subject = []
    for index, (subject, found) in enumerate(zip(subjects, candidates, strict=True)):
        impact = subject.impact
        downstream = impact.impacted - impact.ci_ids
        upstream = upstream_by_subject.get(index, set()) - impact.ci_ids
        matches = {}
        for change_id, cis in found.items():
            for template, related in (
                (_("%(change)s (%(period)s) also changes %(what)s."), impact.ci_ids),
                (
                    _("%(change)s (%(period)s) changes %(what)s, which a failure of this change's CIs would impact."),
                    downstream,
                ),
                (
                    _("%(change)s (%(period)s) changes %(what)s, whose failure would impact this change's CIs."),
                    upstream,
                ),
            ):
                if shared := cis & related:
                    matches[change_id] = (template, shared)
                    break
        matches_by_subject.append(matches)
    matched = set().union(*matches_by_subject)
    if not matched:
        return
    visible = matched
    if user is not None:
        visible = set(Change.objects.restrict(user, "view").filter(pk__in=matched).values_list("pk", flat=True))
    for pending, matches in zip(pendings, matches_by_subject, strict=True):
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


def _blackouts(pendings: list[_Pending], subjects: list[_Subject]) -> None:
    overlap = _any_period(subjects, lambda start, end: Q(start__lt=end, end__gt=start))
    windows = list(
        ChangeWindow.objects.filter(overlap, kind=WindowKindChoices.BLACKOUT).only("id", "name", "start", "end")
    )
    if not windows:
        return
    ids = [w.pk for w in windows]
    window_cis = _window_links(WindowCIs, "configurationitem_id", ids)
    window_services = _window_links(WindowServices, "service_id", ids)
    for pending, subject in zip(pendings, subjects, strict=True):
        impact = subject.impact
        services = {service.pk: service.name for service in impact.services}
        for window in windows:
            if not subject.meets(window.start, window.end):
                continue
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


def _containing(periods: list[tuple[datetime, datetime]], prefix: str = "") -> dict[str, Count]:
    """For each period, the count of the rows' windows that contain it (aggregate `in<i>` for `periods[i]`)."""
    return {
        f"in{i}": Count("pk", filter=Q(**{f"{prefix}start__lte": start, f"{prefix}end__gte": end}))
        for i, (start, end) in enumerate(periods)
    }


def _maintenance_coverage(model, column: str, targets, periods) -> dict[int, set]:
    """For each target (CI or service) with maintenance windows: the periods one of its windows contains.

    `targets=None`: every target that has windows (services: few have windows, while a change may impact
    thousands, so reading those few beats sending thousands of ids).
    """
    rows = model.objects.filter(changewindow__kind=WindowKindChoices.MAINTENANCE)
    if targets is not None:
        if not targets:
            return {}
        rows = rows.filter(**{f"{column}__in": targets})
    rows = rows.values(column).annotate(**_containing(periods, "changewindow__"))
    return {row[column]: {p for i, p in enumerate(periods) if row[f"in{i}"]} for row in rows}


def _outside_maintenance(pendings: list[_Pending], subjects: list[_Subject]) -> None:
    everything = ChangeWindow.objects.filter(kind=WindowKindChoices.MAINTENANCE).filter(
        ~Exists(WindowCIs.objects.filter(changewindow_id=OuterRef("pk"))),
        ~Exists(WindowServices.objects.filter(changewindow_id=OuterRef("pk"))),
    )
    periods = list(dict.fromkeys((s.start, s.end) for s in subjects))
    general = everything.aggregate(total=Count("pk"), **_containing(periods))
    # A window for everything that holds the whole change settles it.
    held = {p for i, p in enumerate(periods) if general[f"in{i}"]}
    left = [(pending, s) for pending, s in zip(pendings, subjects, strict=True) if (s.start, s.end) not in held]
    if not left:
        return
    periods = list(dict.fromkeys((s.start, s.end) for _pending, s in left))
    ci_ids = set().union(*(s.impact.ci_ids for _pending, s in left))
    ci_coverage = _maintenance_coverage(WindowCIs, "configurationitem_id", ci_ids, periods)
    service_coverage = {}
    if any(s.impact.services for _pending, s in left):
        service_coverage = _maintenance_coverage(WindowServices, "service_id", None, periods)
    for pending, subject in left:
        impact, window = subject.impact, (subject.start, subject.end)
        services = {service.pk: service.name for service in impact.services}
        if general["total"]:
            # Windows for everything apply to every CI and service: those without a containing window of their own.
            outside_cis = {pk for pk in impact.ci_ids if window not in ci_coverage.get(pk, ())}
            outside_services = [name for pk, name in services.items() if window not in service_coverage.get(pk, ())]
            if not impact.ci_ids:
                template = _("Not inside a maintenance window: there are windows for everything and none contains it.")
                pending.add(ConflictKindChoices.OUTSIDE_MAINTENANCE, template=template, values={})
                continue
        else:
            outside_cis = {pk for pk in impact.ci_ids if pk in ci_coverage and window not in ci_coverage[pk]}
            outside_services = [
                name for pk, name in services.items() if pk in service_coverage and window not in service_coverage[pk]
            ]
        if outside_cis or outside_services:
            pending.add(
                ConflictKindChoices.OUTSIDE_MAINTENANCE,
                template=_("Not inside a maintenance window of %(what)s: none of their windows contains it."),
                values={},
                cis=outside_cis,
                extra=[_("the service %(name)s") % {"name": name} for name in sorted(outside_services)],
            )


def _check(subjects: list[_Subject], user) -> list[list[Conflict]]:
    """The conflicts of each subject, in the subjects' order; the query count does not depend on their number."""
    if not subjects:
        return []
    pendings = [_Pending() for _subject in subjects]
    _overlapping_changes(pendings, subjects, user)
    _blackouts(pendings, subjects)
    _outside_maintenance(pendings, subjects)
    return _resolve(pendings)


def _has_window(start, end) -> bool:
    return start is not None and end is not None and end > start


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
    if not _has_window(planned_start, planned_end):
        return []
    impact = impact if impact is not None else change_impact(ci_ids)
    [conflicts] = _check([_Subject(impact, planned_start, planned_end, exclude_change_id)], user)
    return conflicts


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


def conflicts_for_changes(changes: Iterable[Change], *, user=None) -> dict[int, list[Conflict]]:
    """`conflicts_for` of many saved changes at once (a page of them), by change id, in a bounded number of
    queries whatever their number: their CIs, one impact walk for all, then the checks above over all of them."""
    planned = [change for change in changes if _has_window(change.planned_start, change.planned_end)]
    result = {change.pk: [] for change in changes}
    if not planned:
        return result
    ci_ids = defaultdict(set)
    for change_id, ci_id in ChangeCIs.objects.filter(change_id__in=[c.pk for c in planned]).values_list(
        "change_id", "configurationitem_id"
    ):
        ci_ids[change_id].add(ci_id)
    impacts = changes_impact({change.pk: ci_ids[change.pk] for change in planned})
    subjects = [_Subject(impacts[c.pk], c.planned_start, c.planned_end, c.pk) for c in planned]
    for change, conflicts in zip(planned, _check(subjects, user), strict=True):
        result[change.pk] = conflicts
    return result
