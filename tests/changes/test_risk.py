"""Risk of a change (each factor, its reasons, the bands), impact of its CIs, and the refresh services."""

import itertools
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from changes.impact import change_impact_refresh, ci_walk, impacted_cis, impacted_services_for, upstream_cis
from changes.models import Change
from changes.risk import MIN_HISTORY, risk_assess, risk_for_score, risk_refresh
from cmdb.selectors import DEPENDENCIES, IMPACT, ci_impact
from itsm.audit_context import audit_context
from itsm.models import AuditEvent
from itsm.testing.queries import count_queries
from tests.changes.analysis_data import at, depends, make_change, make_ci, make_service
from tests.cmdb.test_impact import oracle, random_graph

pytestmark = pytest.mark.django_db


def assess(*cis, change_type="normal", exclude=None):
    return risk_assess(change_type=change_type, ci_ids=[ci.pk for ci in cis], exclude_change_id=exclude)


# --- impact ----------------------------------------------------------------------------------------


def test_impacted_cis_walks_from_every_ci_in_one_query():
    db, app, shop, host, vm, lone = (make_ci(n) for n in ("db", "app", "shop", "host", "vm", "lone"))
    depends(app, db)
    depends(shop, app, "contains")
    depends(vm, host, "runs_on")

    with CaptureQueriesContext(connection) as queries:
        result = impacted_cis([db.pk, host.pk, lone.pk])

    assert len(queries) == 1
    assert result == {db.pk, app.pk, shop.pk, host.pk, vm.pk, lone.pk}
    expected = {db.pk, host.pk, lone.pk}
    for start in (db, host, lone):
        expected |= {item.ci.pk for item in ci_impact(ci=start)[0]}
    assert result == expected
    assert upstream_cis([shop.pk]) == {shop.pk, app.pk, db.pk}
    assert impacted_cis([]) == set()


@pytest.mark.parametrize("seed", range(6))
def test_walk_matches_breadth_first_oracle_from_several_cis_on_graphs_with_cycles(seed):
    rng = random.Random(seed)
    cis, edges = random_graph(rng, nodes=rng.randint(5, 60), edges=rng.randint(5, 150))
    for direction in (IMPACT, DEPENDENCIES):
        starts = [ci.pk for ci in rng.sample(cis, rng.randint(1, 5))]
        expected = set(starts)
        for start in starts:
            expected |= set(oracle(edges, start, direction, max_depth=len(cis)))

        assert ci_walk(starts, direction=direction) == (expected, False), (seed, direction)


def test_walk_is_capped_nearest_first(monkeypatch):
    hub, near, *far = (make_ci(f"n{i}") for i in range(6))
    depends(near, hub)
    for ci in far:
        depends(ci, near)
    monkeypatch.setattr("changes.impact.DEFAULT_LIMIT", 3)

    walked, truncated = ci_walk([hub.pk])

    assert truncated and len(walked) == 3 and {hub.pk, near.pk} < walked


def test_impacted_services_are_those_whose_ci_is_impacted_and_not_retired():
    db, app, shop_ci, old_ci = make_ci("db"), make_ci("app"), make_ci("shop"), make_ci("old")
    depends(app, db)
    depends(shop_ci, app, "contains")
    depends(old_ci, db)
    shop = make_service(shop_ci, "Web shop")
    make_service(old_ci, "Old shop", status="retired")
    make_service(make_ci("mail"), "Mail")

    assert impacted_services_for([db.pk]) == [shop]


def test_change_impact_refresh_sets_the_services_and_audits_them():
    db, shop_ci = make_ci("db"), make_ci("shop")
    depends(shop_ci, db)
    shop = make_service(shop_ci, "Web shop")
    change = make_change(db)

    with audit_context(source="test"):
        impact = change_impact_refresh(change=change)

    assert [service.pk for service in impact.services] == [shop.pk]
    assert list(change.impacted_services.all()) == [shop]
    event = AuditEvent.objects.filter(object_type="changes.change", object_id=str(change.pk)).latest("id")
    assert event.changes == {"impacted_services": [[], [shop.pk]]}


# --- factors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change_type, points, words",
    [("standard", 0, "Standard change"), ("normal", 1, "Normal change"), ("emergency", 3, "Emergency change")],
)
def test_type_factor(change_type, points, words):
    ci = make_ci("vm", environment="test")

    result = assess(ci, change_type=change_type)

    assert result.score == points
    assert result.reasons[0].startswith(words)


def test_production_cis_add_points_with_their_count():
    prod = [make_ci(f"prod-{i}") for i in range(3)]
    test_ci = make_ci("test-1", environment="test")

    result = assess(*prod, test_ci)

    assert "Touches 3 production CIs." in result.reasons
    assert result.score == 1 + 2


def test_only_other_environments_say_so_without_points():
    result = assess(make_ci("a", environment="test"), make_ci("b", environment="development"))

    assert "Touches no production CI (only development, test)." in result.reasons
    assert result.score == 1


def test_no_cis_means_the_impact_cannot_be_assessed():
    result = risk_assess(change_type="normal", ci_ids=[])

    assert result.score == 1 and any("cannot be assessed" in reason for reason in result.reasons)


@pytest.mark.parametrize("services, points", [(0, 0), (1, 1), (2, 1), (3, 2), (9, 2), (10, 3)])
def test_number_of_impacted_services(services, points):
    db = make_ci("db", environment="test")
    for i in range(services):
        service_ci = make_ci(f"svc-{i}", criticality="low")
        depends(service_ci, db)
        make_service(service_ci, f"Service {i:02d}")

    result = assess(db)

    assert result.score == 1 + points
    if services:
        assert any(reason.startswith(f"Impacts {services} service") for reason in result.reasons)
    else:
        assert "Impacts no service of the catalog." in result.reasons


def test_high_criticality_services_add_points_and_are_named():
    db = make_ci("db", environment="test")
    for name, criticality in (("Payroll", "high"), ("Intranet", "low"), ("Billing", "high")):
        service_ci = make_ci(name.lower(), criticality=criticality)
        depends(service_ci, db)
        make_service(service_ci, name)

    result = assess(db)

    assert "Impacts 3 services: Billing, Intranet, Payroll." in result.reasons
    assert "Impacts 2 high-criticality services: Billing, Payroll." in result.reasons
    assert result.score == 1 + 2 + 2


def history(ci, outcomes):
    for outcome in outcomes:
        make_change(ci, status="closed", outcome=outcome)


def test_failure_rate_of_past_changes_on_the_same_cis():
    db, web = make_ci("db", environment="test"), make_ci("web", environment="test")
    history(db, ["failed", "successful", "successful_with_issues"])
    history(web, ["backed_out", "successful"])
    make_change(db, web, status="closed", outcome="successful")  # on both: counted once
    make_change(db, status="cancelled")  # never completed
    make_change(db, status="scheduled")

    result = assess(db, web)

    assert "2 of 6 past changes on these CIs failed (33%)." in result.reasons
    assert result.score == 1 + 2


@pytest.mark.parametrize("failed, total, points", [(0, 5, 0), (1, 10, 1), (1, 4, 2), (2, 4, 3), (5, 5, 3)])
def test_failure_rate_points(failed, total, points):
    db = make_ci("db", environment="test")
    history(db, ["failed"] * failed + ["successful"] * (total - failed))

    assert assess(db).score == 1 + points


def test_too_little_history_is_ignored():
    db = make_ci("db", environment="test")
    history(db, ["failed"] * (MIN_HISTORY - 1))

    result = assess(db)

    assert result.score == 1
    assert f"Only {MIN_HISTORY - 1} completed past changes on these CIs" in " ".join(result.reasons)


def test_the_change_itself_is_left_out_of_its_history():
    db = make_ci("db", environment="test")
    history(db, ["successful"] * 3)
    itself = make_change(db, status="review", outcome="failed")

    assert "1 of 4 past changes" in " ".join(assess(db).reasons)
    assert "0 of 3 past changes" in " ".join(assess(db, exclude=itself.pk).reasons)


@pytest.mark.parametrize(
    "score, risk", [(0, "low"), (2, "low"), (3, "medium"), (4, "medium"), (5, "high"), (7, "high"), (8, "very_high")]
)
def test_bands(score, risk):
    assert risk_for_score(score) == risk


def test_everything_together_is_very_high():
    db = make_ci("db")
    service_ci = make_ci("payroll", criticality="high")
    depends(service_ci, db)
    make_service(service_ci, "Payroll")
    history(db, ["failed", "failed", "successful"])

    result = assess(db, change_type="emergency")

    assert (result.score, result.risk) == (3 + 2 + 1 + 2 + 3, "very_high")
    assert len(result.reasons) == 5


def test_assessment_query_count_does_not_grow_with_services_or_history():
    db, names = make_ci("db"), itertools.count()

    def grow(n):
        for _ in range(n):
            service_ci = make_ci(f"svc-{next(names)}", criticality="high")
            depends(service_ci, db)
            make_service(service_ci)
        history(db, ["failed", "successful"] * n)

    grow(1)
    few = count_queries(lambda: assess(db))
    grow(20)
    assert count_queries(lambda: assess(db)) == few <= 4


# --- refresh ---------------------------------------------------------------------------------------


def test_risk_refresh_saves_risk_and_reasons_audited():
    db = make_ci("db")
    change = make_change(db, type="emergency", status="assessment")
    version = change.version

    with audit_context(source="test"):
        result = risk_refresh(change=change)

    change.refresh_from_db()
    assert (change.risk, change.risk_computed, change.risk_reasons) == (result.risk, "high", result.reasons)
    assert change.version == version
    event = AuditEvent.objects.filter(object_type="changes.change", object_id=str(change.pk)).latest("id")
    assert event.changes["risk"] == ["low", "high"] and "risk_reasons" in event.changes


def test_risk_refresh_keeps_an_overridden_risk():
    change = make_change(make_ci("db"), type="emergency", risk="low", risk_override_reason="Rehearsed twice.")

    risk_refresh(change=change)

    change.refresh_from_db()
    assert (change.risk, change.risk_computed) == ("low", "high")


def test_risk_refresh_writes_nothing_when_nothing_changed():
    change = make_change(make_ci("db", environment="test"), type="standard")
    risk_refresh(change=change)

    events = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        risk_refresh(change=change)

    assert [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))] == []
    assert AuditEvent.objects.count() == events


# --- API: the live preview of an RFC ---------------------------------------------------------------

PREVIEW = "/api/v1/changes/risk-preview/"


def test_preview_gives_risk_reasons_services_and_conflicts_and_writes_nothing(client_as):
    client = client_as("change_manager")
    db, shop_ci = make_ci("db-01"), make_ci("shop", criticality="high")
    depends(shop_ci, db)
    shop = make_service(shop_ci, "Web shop")
    other = make_change(db, start=1, end=3)
    changes, events = Change.objects.count(), AuditEvent.objects.count()

    response = client.post(
        PREVIEW,
        {
            "type": "emergency",
            "configuration_items": [db.pk],
            "planned_start": at(0).isoformat(),
            "planned_end": at(2).isoformat(),
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["risk"] == "very_high"  # 3 + 2 + 1 + 2
    assert "Touches 1 production CI." in body["reasons"]
    assert body["impacted_services"] == [
        {"id": shop.pk, "display": "Web shop", "url": f"http://testserver/api/v1/services/{shop.pk}/"}
    ]
    assert [(c["kind"], c["change"]) for c in body["conflicts"]] == [("ci_overlap", other.pk)]
    assert (Change.objects.count(), AuditEvent.objects.count()) == (changes, events)


def test_preview_without_window_or_cis(client_as):
    response = client_as("change_manager").post(PREVIEW, {"type": "standard"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["risk"] == "low" and response.json()["conflicts"] == []


def test_preview_of_a_change_being_edited_leaves_it_out(client_as):
    db = make_ci("db-01", environment="test")
    change = make_change(db)
    body = {
        "type": "normal",
        "configuration_items": [db.pk],
        "planned_start": at(0).isoformat(),
        "planned_end": at(2).isoformat(),
    }
    client = client_as("change_manager")

    assert len(client.post(PREVIEW, body, format="json").json()["conflicts"]) == 1
    assert client.post(PREVIEW, {**body, "change": change.pk}, format="json").json()["conflicts"] == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "type"),
        ({"type": "urgent"}, "type"),
        ({"type": "normal", "configuration_items": [999999]}, "configuration_items"),
        ({"type": "normal", "configuration_items": "1,2"}, "configuration_items"),
        ({"type": "normal", "configuration_items": [0]}, "configuration_items"),
        ({"type": "normal", "planned_start": "2026-06-01T10:00:00Z"}, "planned_end"),
        ({"type": "normal", "planned_end": "2026-06-01T10:00:00Z"}, "planned_start"),
        ({"type": "normal", "planned_start": "2026-06-01T10:00Z", "planned_end": "2026-06-01T09:00Z"}, "planned_end"),
        ({"type": "normal", "planned_start": "soon", "planned_end": "2026-06-01T09:00Z"}, "planned_start"),
        ({"type": "normal", "change": 999999}, "change"),
        ([1, 2], "non_field_errors"),
    ],
)
def test_preview_bad_input_is_a_field_error(client_as, body, field):
    response = client_as("change_manager").post(PREVIEW, body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_preview_needs_permission_to_raise_changes(client_as, api_client):
    body = {"type": "normal"}

    assert api_client.post(PREVIEW, body, format="json").status_code == 401
    assert client_as("requester").post(PREVIEW, body, format="json").status_code == 403
    assert client_as("agent").post(PREVIEW, body, format="json").status_code == 200


def test_risk_refresh_reuses_the_impact_just_computed():
    change = make_change(make_ci("db"), type="emergency")
    with audit_context(source="test"):
        impact = change_impact_refresh(change=change)

    with CaptureQueriesContext(connection) as queries:
        risk_refresh(change=change, impact=impact)

    assert not any("RECURSIVE" in q["sql"] for q in queries)
    change.refresh_from_db()
    assert change.risk_computed == "high"
