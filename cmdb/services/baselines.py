"""Baselines: capture the CIs matching a filter, and diff a baseline against today."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from cmdb.models import CIBaseline, CIBaselineItem, CIRelationship, ConfigurationItem
from itsm.audit_context import audit_context

SNAPSHOT_FIELDS = ("name", "status", "environment", "criticality", "description")
BATCH = 2000


def _filtered(filter_data: dict):
    from cmdb.filtersets import CIFilterSet

    data = QueryDict(mutable=True)
    for key, value in (filter_data or {}).items():
        data.setlist(key, [str(v) for v in value] if isinstance(value, list) else [str(value)])
    filterset = CIFilterSet(data=data, queryset=ConfigurationItem.objects.all())
    if not filterset.is_valid():
        raise ValidationError({"filter": [f"{k}: {' '.join(v)}" for k, v in filterset.errors.items()]})
    return filterset.qs


def _snapshots(cis) -> dict[int, dict]:
    """CI id -> its state: fields, class, team, attributes and outgoing relationships ([type, target id])."""
    rows = list(cis.select_related("ci_class", "owner_team").order_by("pk"))
    outgoing: dict[int, list] = {}
    ids = [ci.pk for ci in rows]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        for source_id, target_id, kind in CIRelationship.objects.filter(source_id__in=chunk).values_list(
            "source_id", "target_id", "type"
        ):
            outgoing.setdefault(source_id, []).append([kind, target_id])
    return {
        ci.pk: {
            **{name: getattr(ci, name) for name in SNAPSHOT_FIELDS},
            "ci_class": ci.ci_class.slug,
            "owner_team": ci.owner_team.name if ci.owner_team else None,
            "attributes": ci.attributes,
            "relationships": sorted(outgoing.get(ci.pk, [])),
        }
        for ci in rows
    }


def baseline_capture(*, actor, name: str, filter: dict | None = None, description: str = "") -> CIBaseline:
    """Record the CIs matching `filter` (CI filterset parameters) as they are now."""
    if not name or not name.strip():
        raise ValidationError({"name": [_("Name the baseline.")]})
    if CIBaseline.objects.filter(name=name.strip()).exists():
        raise ValidationError({"name": [_("A baseline with this name exists.")]})
    if filter is not None and not isinstance(filter, dict):
        raise ValidationError({"filter": [_("The filter must be an object of CI filter parameters.")]})
    cis = _filtered(filter or {})
    with transaction.atomic(), audit_context(actor=actor):
        snapshots = _snapshots(cis)
        baseline = CIBaseline.objects.create(
            name=name.strip(), description=description, filter=filter or {}, created_by=actor, ci_count=len(snapshots)
        )
        CIBaselineItem.objects.bulk_create(
            [CIBaselineItem(baseline=baseline, ci_id=ci_id, data=data) for ci_id, data in snapshots.items()],
            batch_size=BATCH,
        )
    return baseline


def baseline_diff(*, baseline: CIBaseline) -> dict:
    """What changed since the baseline among the CIs its filter matches: CIs and relationships added/removed/changed."""
    then = {item.ci_id: item.data for item in baseline.items.all()}
    now = _snapshots(_filtered(baseline.filter))
    added = [
        {"id": pk, "name": now[pk]["name"], "ci_class": now[pk]["ci_class"]} for pk in sorted(now.keys() - then.keys())
    ]
    removed = [
        {"id": pk, "name": then[pk]["name"], "ci_class": then[pk]["ci_class"]}
        for pk in sorted(then.keys() - now.keys())
    ]
    changed, rel_added, rel_removed = [], [], []
    for pk in sorted(now.keys() & then.keys()):
        old, new = then[pk], now[pk]
        changes = {
            key: [old.get(key), new.get(key)]
            for key in (*SNAPSHOT_FIELDS, "ci_class", "owner_team")
            if old.get(key) != new.get(key)
        }
        for attr in sorted(set(old["attributes"]) | set(new["attributes"])):
            if old["attributes"].get(attr) != new["attributes"].get(attr):
                changes[f"attributes.{attr}"] = [old["attributes"].get(attr), new["attributes"].get(attr)]
        if changes:
            changed.append({"id": pk, "name": new["name"], "changes": changes})
        old_rels = {tuple(r) for r in old["relationships"]}
        new_rels = {tuple(r) for r in new["relationships"]}
        rel_added += [{"source": pk, "type": k, "target": t} for k, t in sorted(new_rels - old_rels)]
        rel_removed += [{"source": pk, "type": k, "target": t} for k, t in sorted(old_rels - new_rels)]
    return {
        "baseline": baseline.pk,
        "cis": {"added": added, "removed": removed, "changed": changed},
        "relationships": {"added": rel_added, "removed": rel_removed},
    }
