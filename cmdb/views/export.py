"""CSV export of the CI list: the same filters, streamed, with formula-looking cells defused."""

import csv
import json

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.utils import timezone

from cmdb.filtersets import CIFilterSet
from cmdb.models import ConfigurationItem
from itsm.csv_cells import defuse
from itsm.views.admin_ui import require_permission

COLUMNS = ("ci_class", "name", "status", "environment", "criticality", "owner_team", "description", "attributes")
CHUNK = 2000


class _Echo:
    """A write-only file whose write() hands the line back, so csv.writer can feed a streaming response."""

    def write(self, value):
        return value


def _lines(queryset):
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for ci in queryset.iterator(chunk_size=CHUNK):
        team = ci.owner_team.name if ci.owner_team else ""
        attributes = json.dumps(ci.attributes or {}, ensure_ascii=False, sort_keys=True)
        cells = (ci.ci_class.slug, ci.name, ci.status, ci.environment, ci.criticality, team, ci.description, attributes)
        yield writer.writerow([defuse(cell) for cell in cells])


@login_required
def ci_export(request):
    """The CIs the list's filters select, as CSV (class slug, fields, team name, attributes as JSON); re-importable."""
    require_permission(request.user, ConfigurationItem, "view")
    queryset = ConfigurationItem.objects.restrict(request.user, "view").select_related("ci_class", "owner_team")
    filterset = CIFilterSet(request.GET, queryset=queryset, request=request)
    # An invalid filter exports nothing rather than silently everything.
    cis = filterset.qs.order_by("name", "pk") if filterset.is_valid() else queryset.none()
    response = StreamingHttpResponse(_lines(cis), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="cis-{stamp}.csv"'
    return response
