"""The impact view: the graph around a CI (Cytoscape.js) and the same CIs as a table, in either direction."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cmdb.models import CIRelationship, ConfigurationItem
from cmdb.selectors import DEPENDENCIES, IMPACT, ci_impact
from itsm.views.admin_ui import require_permission

DEPTHS = range(1, 11)
DEFAULT_DEPTH = 3
# A browser draws a couple of thousand nodes comfortably; past that the graph says it is cut.
NODE_LIMIT = 2000
EDGE_LIMIT = 4000
DIRECTIONS = {IMPACT: _("What a failure impacts"), DEPENDENCIES: _("What it depends on")}
# Depth 0 is the CI itself; the nearest rings get the alarming colours, distant ones calmer ones, then grey.
DEPTH_COLOURS = ["#1f3a5f", "#dc3545", "#fd7e14", "#6f42c1", "#20c997", "#0dcaf0", "#d63384", "#adb5bd"]


def depth_colour(depth: int) -> str:
    """The node colour of a depth (the last colour for everything deeper)."""
    return DEPTH_COLOURS[min(depth, len(DEPTH_COLOURS) - 1)]


def impact_graph(ci: ConfigurationItem, impacted) -> tuple[dict, bool]:
    """Cytoscape elements: the CI and the impacted CIs as nodes, the relationships among them as edges."""
    depths = {ci.pk: 0, **{item.ci.pk: item.depth for item in impacted}}
    nodes = [
        {
            "data": {
                "id": str(node.pk),
                "label": node.name,
                "ci_class": node.ci_class.name,
                "depth": depths[node.pk],
                "colour": depth_colour(depths[node.pk]),
                "start": node.pk == ci.pk,
                "url": reverse("cmdb:ci", kwargs={"pk": node.pk}),
            }
        }
        for node in [ci, *(item.ci for item in impacted)]
    ]
    ids = list(depths)
    relationships = CIRelationship.objects.filter(source_id__in=ids, target_id__in=ids).order_by("pk")
    rows = list(relationships.values_list("pk", "source_id", "target_id", "type")[: EDGE_LIMIT + 1])
    labels = dict(CIRelationship._meta.get_field("type").choices)
    edges = [
        {"data": {"id": f"r{pk}", "source": str(source), "target": str(target), "label": str(labels.get(kind, kind))}}
        for pk, source, target, kind in rows[:EDGE_LIMIT]
    ]
    return {"nodes": nodes, "edges": edges}, len(rows) > EDGE_LIMIT


@login_required
def ci_impact_view(request, pk):
    """The graph and table of what a failure of this CI impacts (or what it depends on); ?format=json: the data."""
    require_permission(request.user, ConfigurationItem, "view")
    ci = get_object_or_404(ConfigurationItem.objects.restrict(request.user, "view").select_related("ci_class"), pk=pk)
    direction = request.GET.get("direction")
    direction = direction if direction in DIRECTIONS else IMPACT
    depth = request.GET.get("depth", "")
    depth = int(depth) if depth.isdigit() and int(depth) in DEPTHS else DEFAULT_DEPTH
    impacted, truncated = ci_impact(ci=ci, direction=direction, depth=depth, limit=NODE_LIMIT)
    graph, edges_truncated = impact_graph(ci, impacted)
    if request.GET.get("format") == "json":
        flags = {"truncated": truncated, "edges_truncated": edges_truncated}
        return JsonResponse({**graph, "direction": direction, "depth": depth, **flags})
    context = {
        "ci": ci,
        "impacted": impacted,
        "truncated": truncated,
        "edges_truncated": edges_truncated,
        "graph": graph,
        "direction": direction,
        "directions": DIRECTIONS,
        "depth": depth,
        "depths": DEPTHS,
        "legend": [(level, depth_colour(level)) for level in range(0, min(depth, len(DEPTH_COLOURS) - 1) + 1)],
        "node_limit": NODE_LIMIT,
        "edge_limit": EDGE_LIMIT,
    }
    return render(request, "cmdb/ci_impact.html", context)
