"""SLA dashboard page: permissions, figures equal to the compliance API, constant query count, htmx partial,
CSV export equal to the API rows (formula cells defused), printable report header, period presets."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.contenttypes.models import ContentType

from itsm.csv_cells import restore
from itsm.testing.queries import assert_query_count_stable
from slm.models import Agreement, Service, SLAClock
from slm.views.dashboard import duration_text, period_label, preset_dates
from tests.incidents.factories import make_incident
from tests.itsm.factories import TeamFactory
from tests.slm.test_reports import END, START, World

PAGE, EXPORT, PRINT = "/slm/dashboard/", "/slm/dashboard/export/", "/slm/dashboard/print/"
API = "/api/v1/reports/sla-compliance/"
PERIOD = {"start": "2026-03-02T00:00:00Z", "end": "2026-03-16T00:00:00Z"}


@pytest.fixture
def world(db):
    return World().build()


def test_requesters_may_not_open_the_dashboard(world, client, sign_in):
    assert client.get(PAGE).status_code == 302  # to the sign-in page
    sign_in("requester")
    assert client.get(PAGE).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert client.get(PRINT).status_code == 403


def test_menu_entry_for_those_who_may_read_clocks(db, client, sign_in):
    sign_in("auditor")
    assert 'href="/slm/dashboard/"' in client.get("/").content.decode()
    sign_in("requester")
    assert 'href="/slm/dashboard/"' not in client.get("/").content.decode()


def test_figures_are_the_compliance_api_rows(world, client, sign_in, client_as):
    sign_in("manager")
    response = client.get(PAGE, PERIOD)
    assert response.status_code == 200
    figures = response.context["figures"]
    api = client_as("manager")
    for group_by in ("service", "team", "priority", "agreement"):
        assert figures["by"][group_by] == api.get(API, {**PERIOD, "group_by": group_by}).json()["rows"]
    html = response.content.decode()
    assert 'data-kpi="compliance">57.1 %<' in html
    assert 'data-kpi="measured">4 of 7 clocks met<' in html
    assert 'data-kpi="breaches">3<' in html
    assert 'data-kpi="mtta">10 min<' in html  # the one response clock: 600 s
    assert 'data-kpi="mttr">2 h 34 min<' in html  # 9,250 s
    assert "2026-03-02 – 2026-03-15" in html
    # The API link carries the same instants, so it answers with the rows shown.
    assert response.context["api_url"].startswith(API + "?start=2026-03-02T00%3A00%3A00%2B00%3A00")
    for row in figures["recent_breaches"]:
        assert f'href="/incidents/{row["ticket_id"]}/"' in html


def test_dates_are_whole_days_in_the_users_zone(world, client, make_user):
    berliner = make_user(roles=["manager"], timezone="Europe/Berlin")
    client.force_login(berliner)
    response = client.get(PAGE, {"period": "custom", "start": "2026-03-02", "end": "2026-03-15"})
    data = response.context["form"].cleaned_data
    assert data["start"] == dt.datetime(2026, 3, 1, 23, tzinfo=dt.UTC)
    assert data["end"] == dt.datetime(2026, 3, 15, 23, tzinfo=dt.UTC)
    assert response.context["period"] == "2026-03-02 – 2026-03-15"


def test_htmx_filter_change_gets_the_body_only(world, client, sign_in):
    sign_in("manager")
    response = client.get(PAGE, {**PERIOD, "kind": "ola"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="sla-dashboard")
    html = response.content.decode()
    assert "<html" not in html and 'id="dashboard-filters"' not in html and 'id="dashboard-kpis"' in html
    assert 'hx-swap-oob="true"' not in html  # custom dates stay as the user typed them
    assert response.context["figures"]["summary"] == {"total": 2, "met": 1, "breached": 1, "compliance_percent": 50.0}
    assert "Agreement kind: Operational level agreement" in html


def test_htmx_preset_change_refreshes_the_date_inputs(world, client, sign_in):
    sign_in("manager")
    html = client.get(PAGE, {"period": "7d"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="sla-dashboard").content.decode()
    assert html.count('hx-swap-oob="true"') == 2 and 'name="start"' in html and 'name="end"' in html


def test_bad_period_shows_the_error_and_no_figures(world, client, sign_in):
    sign_in("manager")
    response = client.get(PAGE, {"period": "custom", "start": "2026-03-10", "end": "2026-03-01"})
    assert response.status_code == 200 and "figures" not in response.context
    assert "The end must be after the start." in response.content.decode()
    assert client.get(EXPORT, {"start": "soon"}).status_code == 400


def test_query_count_does_not_grow_with_clocks(db, client, sign_in):
    sign_in("manager")
    now = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)

    def make_rows(count):
        for _ in range(count):
            n = Service.objects.count()
            service, team = Service.objects.create(name=f"Service {n}"), TeamFactory()
            incident = make_incident(service=service, assignment_group=team)
            for agreement, metric, status in (
                (Agreement.objects.create(name=f"SLA {n}", kind="sla", service=service), "resolution", "met"),
                (Agreement.objects.create(name=f"OLA {n}", kind="ola", team=team), "response", "breached"),
            ):
                SLAClock.objects.create(
                    content_type=ContentType.objects.get_for_model(incident),
                    object_id=incident.pk,
                    agreement=agreement,
                    metric=metric,
                    target_seconds=3600,
                    started_at=now,
                    due_at=now + dt.timedelta(hours=1) if status == "breached" else None,
                    stopped_at=now + dt.timedelta(hours=2),
                    status=status,
                    breached=status == "breached",
                    computed_at=now,
                )

    def fetch():
        response = client.get(PAGE, PERIOD)
        assert response.context["figures"]["summary"]["total"] == 2 * Service.objects.count()

    assert_query_count_stable(make_rows, fetch)


def read_csv(content: bytes) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    return [
        {
            "group_by": row["group_by"],
            "key": int(row["key"]) if row["key"].isdigit() else (row["key"] or None),
            "label": restore(row["label"]),
            "total": int(row["total"]),
            "met": int(row["met"]),
            "breached": int(row["breached"]),
            "compliance_percent": float(row["compliance_percent"]) if row["compliance_percent"] else None,
        }
        for row in rows
    ]


def test_csv_export_is_the_api_rows_with_formulas_defused(world, client, sign_in, client_as):
    Service.objects.filter(pk=world.email.pk).update(name='=HYPERLINK("http://evil.example","x")')
    sign_in("manager")
    api = client_as("auditor")
    everything = read_csv(client.get(EXPORT, PERIOD).content)
    for group_by in ("service", "team", "priority", "agreement"):
        response = client.get(EXPORT, {**PERIOD, "group_by": group_by})
        assert response["Content-Type"].startswith("text/csv")
        rows = read_csv(response.content)
        expected = api.get(API, {**PERIOD, "group_by": group_by}).json()["rows"]
        assert [{k: v for k, v in row.items() if k != "group_by"} for row in rows] == expected
        assert [row for row in everything if row["group_by"] == group_by] == rows
    raw = client.get(EXPORT, {**PERIOD, "group_by": "service"}).content.decode()
    assert "'=HYPERLINK" in raw  # a spreadsheet shows it as text instead of running it
    weeks = [row for row in everything if row["group_by"] == "week"]
    assert [(row["key"], row["total"]) for row in weeks] == [("2026-03-02", 4), ("2026-03-09", 3)]


def test_printable_report_names_period_and_filters(world, client, sign_in):
    sign_in("manager")
    html = client.get(PRINT, {**PERIOD, "service": world.email.pk, "priority": 3}).content.decode()
    assert 'id="report-period">2026-03-02 – 2026-03-15<' in html
    assert 'id="report-filters">Service: E-mail; Priority: P3<' in html
    assert 'id="table-team"' in html and 'id="table-trend"' in html
    unfiltered = client.get(PRINT, PERIOD).content.decode()
    assert "none (every service, team, priority and agreement kind)" in unfiltered


@pytest.mark.parametrize(
    ("preset", "today", "expected"),
    [
        ("7d", dt.date(2026, 3, 10), (dt.date(2026, 3, 4), dt.date(2026, 3, 10))),
        ("30d", dt.date(2026, 3, 10), (dt.date(2026, 2, 9), dt.date(2026, 3, 10))),
        ("this_month", dt.date(2026, 3, 10), (dt.date(2026, 3, 1), dt.date(2026, 3, 10))),
        ("last_month", dt.date(2026, 1, 15), (dt.date(2025, 12, 1), dt.date(2025, 12, 31))),
        ("this_quarter", dt.date(2026, 5, 15), (dt.date(2026, 4, 1), dt.date(2026, 5, 15))),
        ("last_quarter", dt.date(2026, 2, 15), (dt.date(2025, 10, 1), dt.date(2025, 12, 31))),
        ("this_year", dt.date(2026, 5, 15), (dt.date(2026, 1, 1), dt.date(2026, 5, 15))),
    ],
)
def test_period_presets(preset, today, expected):
    assert preset_dates(preset, today) == expected


def test_preset_fills_the_dates_and_typed_dates_mean_custom(world, client, sign_in):
    sign_in("manager")
    form = client.get(PAGE, {"period": "7d"}).context["form"]
    assert (form.data["period"], form.cleaned_data["end"] - form.cleaned_data["start"]) == ("7d", dt.timedelta(days=7))
    assert client.get(PAGE, {"start": "2026-03-02", "end": "2026-03-15"}).context["form"].data["period"] == "custom"
    assert client.get(PAGE).context["form"].data["period"] == "30d"


def test_labels_for_people():
    assert duration_text(None) == "—"
    assert duration_text(600) == "10 min"
    assert duration_text(15_400) == "4 h 17 min"
    assert duration_text(3 * 86_400 + 4 * 3600) == "3 d 4 h"
    assert period_label(START, END) == "2026-03-02 – 2026-03-15"
