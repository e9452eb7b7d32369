"""Demo CMDB for `load_demo`: a class tree with typed attributes and a small, believable, fully wired estate."""

from cmdb.demo.classes import DEMO_CLASSES
from cmdb.demo.estate import DemoCI, _estate
from cmdb.models import CIClass, CIRelationship, ConfigurationItem
from cmdb.services.cis import ci_class_save, ci_save, relationship_create
from itsm.models import Team

__all__ = ["DEMO_CLASSES", "DemoCI", "load_classes", "load_cmdb"]


def _teams(names) -> dict[str, Team]:
    teams = {team.name: team for team in Team.objects.filter(name__in=names)}
    missing = set(names) - set(teams)
    if missing:
        raise RuntimeError(f"Demo teams missing ({', '.join(sorted(missing))}): load the organisation first.")
    return teams


def load_classes() -> tuple[dict[str, CIClass], int, int]:
    classes, created, updated = {}, 0, 0
    for slug, name, parent, description, schema in DEMO_CLASSES:
        wanted = {
            "name": name,
            "slug": slug,
            "parent": classes[parent] if parent else None,
            "description": description,
            "attribute_schema": schema,
        }
        ci_class = CIClass.objects.filter(slug=slug).first()
        if ci_class is None:
            ci_class = ci_class_save(actor=None, **wanted)
            created += 1
        elif any(getattr(ci_class, key) != value for key, value in wanted.items()):
            ci_class = ci_class_save(actor=None, ci_class=ci_class, **wanted)
            updated += 1
        classes[slug] = ci_class
    return classes, created, updated


def load_cmdb(stdout) -> None:
    """Create or update the demo CI classes, CIs and relationships to their canonical values (safe to run again)."""
    classes, created_classes, updated_classes = load_classes()
    cis, links = _estate()
    teams = _teams({item.team for item in cis})

    existing = {
        (ci.ci_class_id, ci.name): ci
        for ci in ConfigurationItem.objects.filter(ci_class__in=classes.values(), name__in=[c.name for c in cis])
    }
    by_name: dict[str, ConfigurationItem] = {}
    created_cis = updated_cis = 0
    for item in cis:
        ci_class = classes[item.ci_class]
        wanted = {
            "name": item.name,
            "ci_class": ci_class,
            "status": item.status,
            "environment": item.environment,
            "criticality": item.criticality,
            "owner_team": teams[item.team],
            "description": item.description,
            "attributes": item.attributes,
        }
        ci = existing.get((ci_class.pk, item.name))
        if ci is None:
            ci = ci_save(actor=None, **wanted)
            created_cis += 1
        elif any(getattr(ci, key) != value for key, value in wanted.items()):
            ci = ci_save(actor=None, ci=ci, **wanted)
            updated_cis += 1
        by_name[item.name] = ci

    ids = [ci.pk for ci in by_name.values()]
    present = set(
        CIRelationship.objects.filter(source__in=ids, target__in=ids).values_list("source_id", "target_id", "type")
    )
    created_links = 0
    for source, kind, target in links:
        key = (by_name[source].pk, by_name[target].pk, kind)
        if key not in present:
            relationship_create(actor=None, source=by_name[source], target=by_name[target], type=kind)
            present.add(key)
            created_links += 1

    stdout.write(
        f"CMDB: {len(classes)} CI classes ({created_classes} new, {updated_classes} updated), "
        f"{len(by_name)} CIs ({created_cis} new, {updated_cis} updated), "
        f"{len(links)} relationships ({created_links} new).\n"
    )
