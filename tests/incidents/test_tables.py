"""The agent queue's rows (incidents.tables.IncidentTable): escaped text, badges, selection, local times."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from incidents.models import Incident
from incidents.tables import IncidentTable
from slm.badges import SLABadge
from tests.incidents.factories import make_incident
from tests.itsm.factories import TeamFactory, UserFactory

UPDATED = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)  # 01:30 in Berlin, the night the clocks go forward


@pytest.fixture
def incidents(db):
    team = TeamFactory(name="Desk <b>team</b>")
    hostile = make_incident(title='<script>alert("x")</script> & more', assignment_group=team, major=True)
    plain = make_incident(
        title="Printer", assignment_group=team, assignee=UserFactory(first_name="Ann", last_name="Lee")
    )
    Incident.objects.filter(pk__in=[hostile.pk, plain.pk]).update(updated_at=UPDATED)
    rows = list(Incident.objects.filter(pk__in=[hostile.pk, plain.pk]).select_related("assignment_group", "assignee"))
    by_pk = {row.pk: row for row in rows}
    return by_pk[hostile.pk], by_pk[plain.pk]


def render(rows, *, can_change=True) -> str:
    return str(IncidentTable(rows, url_prefix="/incidents/", can_change=can_change).render())


def test_user_text_is_escaped_and_markup_is_ours(incidents):
    hostile, _plain = incidents
    html = render([hostile])
    assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in html
    assert "Desk &lt;b&gt;team&lt;/b&gt;" in html
    assert (
        f'<a href="/incidents/{hostile.pk}/">{hostile.number}</a> <span class="badge text-bg-danger">Major</span>'
        in html
    )
    assert html.count("<tr>") == 1 and html.endswith("</tr>")


def test_selection_only_for_agents_who_may_change(incidents):
    _hostile, plain = incidents
    assert f'name="incidents" value="{plain.pk}" aria-label="Select {plain.number}"' in render([plain])
    assert 'type="checkbox"' not in render([plain], can_change=False)


def test_badges_people_and_times(incidents):
    _hostile, plain = incidents
    plain.sla_badge = SLABadge("at_risk", timezone.now() + dt.timedelta(hours=1, minutes=5))
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        html = render([plain])
    assert 'data-sla="at_risk"' in html and "text-bg-warning" in html and "left</span>" in html
    assert "<td>Ann Lee</td>" in html
    assert '<time datetime="2026-03-29T01:30:00+01:00">' in html
    plain.sla_badge = SLABadge("paused", None)
    assert '<span class="badge text-bg-secondary" data-sla="paused">Paused</span>' in render([plain])
    plain.sla_badge, plain.assignee = None, None
    html = render([plain])
    assert '<span class="text-body-secondary">—</span>' in html and "<td>—</td>" in html
