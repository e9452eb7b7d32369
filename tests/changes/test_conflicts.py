"""Conflicts of a change's planned window: overlapping changes (directly and through CMDB impact, both ways),
blackout windows (for everything, by CI, by service) and maintenance windows."""

import pytest

from changes.conflicts import change_conflicts, conflicts_for, conflicts_for_changes
from itsm.testing.queries import assert_query_count_stable, count_queries
from tests.changes.analysis_data import at, depends, grant, make_change, make_ci, make_service, make_window

pytestmark = pytest.mark.django_db


def check(*cis, start=0, end=2, exclude=None, user=None):
    return change_conflicts(
        ci_ids=[ci.pk for ci in cis], planned_start=at(start), planned_end=at(end), exclude_change_id=exclude, user=user
    )


def kinds(conflicts):
    return [(c.kind, c.change, c.window) for c in conflicts]


# --- overlapping changes ---------------------------------------------------------------------------


def test_direct_ci_overlap_names_the_other_change_and_the_shared_ci():
    db, other_ci = make_ci("db-01"), make_ci("web-01")
    other = make_change(db, other_ci, start=1, end=3, title="Patch the database")

    [conflict] = check(db, start=0, end=2)

    assert (conflict.kind, conflict.change, conflict.window) == ("ci_overlap", other.pk, None)
    assert other.number in conflict.detail and "Patch the database" in conflict.detail
    assert "also changes db-01" in conflict.detail and "web-01" not in conflict.detail


def test_overlap_through_impact_the_other_change_touches_a_ci_ours_impacts():
    db, app = make_ci("db-01"), make_ci("app-01")
    depends(app, db)  # a failure of db-01 impacts app-01
    other = make_change(app)

    [conflict] = check(db)

    assert kinds([conflict]) == [("ci_overlap", other.pk, None)]
    assert "app-01" in conflict.detail and "would impact" in conflict.detail


def test_overlap_through_impact_the_other_change_touches_a_ci_ours_depends_on():
    host, vm, app = make_ci("host-01"), make_ci("vm-01"), make_ci("app-01")
    depends(app, vm, "runs_on")
    depends(vm, host, "runs_on")
    other = make_change(host)

    [conflict] = check(app)

    assert kinds([conflict]) == [("ci_overlap", other.pk, None)]
    assert "host-01" in conflict.detail and "whose failure would impact" in conflict.detail


def test_connects_to_counts_in_both_directions():
    left, right = make_ci("fw-01"), make_ci("fw-02")
    depends(left, right, "connects_to")
    other = make_change(left)

    assert kinds(check(right)) == [("ci_overlap", other.pk, None)]


def test_direct_overlap_wins_over_impact_in_the_sentence():
    db, app = make_ci("db-01"), make_ci("app-01")
    depends(app, db)
    make_change(db, app)

    [conflict] = check(db)

    assert "also changes db-01." in conflict.detail


def test_many_shared_cis_are_summarised():
    cis = [make_ci(f"node-{i}") for i in range(5)]
    make_change(*cis)

    [conflict] = check(*cis)

    assert "node-0, node-1, node-2 and 2 more" in conflict.detail


@pytest.mark.parametrize(
    "start, end",
    [(2, 4), (-3, 0), (10, 12)],
    ids=["starts-when-ours-ends", "ends-when-ours-starts", "later"],
)
def test_no_conflict_when_the_windows_do_not_overlap(start, end):
    db = make_ci("db-01")
    make_change(db, start=start, end=end)

    assert check(db, start=0, end=2) == []


@pytest.mark.parametrize("status", ["draft", "review", "closed", "rejected", "cancelled"])
def test_no_conflict_with_changes_not_holding_their_window(status):
    db = make_ci("db-01")
    make_change(db, status=status)

    assert check(db) == []


@pytest.mark.parametrize("status", ["assessment", "authorization", "scheduled", "implementation"])
def test_conflict_with_every_planned_status(status):
    db = make_ci("db-01")
    other = make_change(db, status=status)

    assert kinds(check(db)) == [("ci_overlap", other.pk, None)]


def test_unrelated_cis_do_not_conflict():
    db, app, elsewhere = make_ci("db-01"), make_ci("app-01"), make_ci("mail-01")
    depends(app, db)
    make_change(elsewhere)

    assert check(db) == []


def test_a_change_does_not_conflict_with_itself():
    db = make_ci("db-01")
    change = make_change(db)

    assert conflicts_for(change) == []
    assert kinds(check(db)) == [("ci_overlap", change.pk, None)]


def test_no_planned_window_means_no_conflicts():
    db = make_ci("db-01")
    make_change(db)
    make_window("blackout", -10, 10)
    change = make_change(db, start=None, end=None, status="draft")

    assert conflicts_for(change) == []


def test_changes_the_user_may_not_view_are_reported_without_number_or_id(make_user):
    db = make_ci("db-01")
    requester = grant(make_user(roles=["requester"]), "changes.view_change")
    own = make_change(db, start=0, end=2, requester=requester, title="Mine")
    hidden = make_change(db, start=1, end=3, title="Secret migration")

    conflicts = check(db, start=0, end=4, user=requester)

    assert [c.change for c in conflicts] == [own.pk, None]
    assert own.number in conflicts[0].detail
    assert hidden.number not in conflicts[1].detail and "Secret" not in conflicts[1].detail
    assert conflicts[1].detail.startswith("Another change")


# --- blackout windows ------------------------------------------------------------------------------


def test_a_blackout_for_everything_conflicts_with_any_change():
    window = make_window("blackout", 1, 30, name="Year-end freeze")

    [conflict] = check(make_ci("db-01"))

    assert kinds([conflict]) == [("blackout", None, window.pk)]
    assert "Year-end freeze" in conflict.detail and "every change" in conflict.detail


def test_a_blackout_for_everything_applies_to_a_change_without_cis():
    window = make_window("blackout", 1, 30)

    assert kinds(check()) == [("blackout", None, window.pk)]


def test_a_blackout_on_one_of_the_change_cis():
    db, other = make_ci("db-01"), make_ci("mail-01")
    window = make_window("blackout", -5, 1, cis=[db, other], name="DB freeze")

    [conflict] = check(db)

    assert kinds([conflict]) == [("blackout", None, window.pk)]
    assert "DB freeze" in conflict.detail and "covers db-01." in conflict.detail


def test_a_blackout_on_a_ci_the_change_impacts():
    db, app = make_ci("db-01"), make_ci("app-01")
    depends(app, db)
    window = make_window("blackout", 0, 2, cis=[app])

    [conflict] = check(db)

    assert kinds([conflict]) == [("blackout", None, window.pk)] and "covers app-01" in conflict.detail


def test_a_blackout_on_a_service_the_change_impacts():
    db, payroll_ci = make_ci("db-01"), make_ci("payroll")
    depends(payroll_ci, db, "uses")
    payroll = make_service(payroll_ci, "Payroll")
    window = make_window("blackout", 0, 2, services=[payroll])

    [conflict] = check(db)

    assert kinds([conflict]) == [("blackout", None, window.pk)] and "the service Payroll" in conflict.detail


def test_blackouts_elsewhere_or_at_other_times_do_not_conflict():
    db, mail, mail_service_ci = make_ci("db-01"), make_ci("mail-01"), make_ci("mail")
    make_window("blackout", 0, 2, cis=[mail])
    make_window("blackout", 0, 2, services=[make_service(mail_service_ci, "Mail")])
    make_window("blackout", 2, 5)  # for everything, but starts when the change ends
    make_window("maintenance", 0, 2)  # not a blackout (and contains the change)

    assert check(db) == []


# --- maintenance windows ---------------------------------------------------------------------------


def test_inside_a_maintenance_window_of_the_ci():
    db = make_ci("db-01")
    make_window("maintenance", -1, 3, cis=[db])
    make_window("maintenance", 100, 104, cis=[db])

    assert check(db) == []


def test_partly_outside_the_maintenance_windows_of_the_ci():
    db, other = make_ci("db-01"), make_ci("web-01")
    make_window("maintenance", 1, 4, cis=[db])

    [conflict] = check(db, other)

    assert kinds([conflict]) == [("outside_maintenance", None, None)]
    assert "db-01" in conflict.detail and "web-01" not in conflict.detail


def test_a_ci_without_maintenance_windows_has_no_maintenance_conflict():
    db, other = make_ci("db-01"), make_ci("web-01")
    make_window("maintenance", 10, 14, cis=[other])

    assert check(db) == []


def test_maintenance_windows_of_an_impacted_service():
    db, shop_ci = make_ci("db-01"), make_ci("shop")
    depends(shop_ci, db)
    make_window("maintenance", 20, 24, services=[make_service(shop_ci, "Web shop")])

    [conflict] = check(db)

    assert conflict.kind == "outside_maintenance" and "the service Web shop" in conflict.detail
    assert check(db, start=21, end=23) == []


def test_maintenance_windows_for_everything():
    db = make_ci("db-01")
    make_window("maintenance", 20, 24)

    [conflict] = check(db)

    assert conflict.kind == "outside_maintenance" and "db-01" in conflict.detail
    assert check(db, start=20, end=24) == []


def test_a_ci_own_window_satisfies_it_even_when_the_windows_for_everything_do_not():
    db, web = make_ci("db-01"), make_ci("web-01")
    make_window("maintenance", 20, 24)
    make_window("maintenance", -1, 3, cis=[db])

    [conflict] = check(db, web)

    assert "web-01" in conflict.detail and "db-01" not in conflict.detail


# --- everything together, and the query count ------------------------------------------------------


def test_all_kinds_together_in_a_stable_order():
    db = make_ci("db-01")
    make_window("maintenance", 10, 12, cis=[db])
    blackout = make_window("blackout", 1, 5)
    first, second = make_change(db, start=1, end=3), make_change(db, start=-1, end=1)

    conflicts = check(db)

    assert kinds(conflicts) == [
        ("ci_overlap", second.pk, None),
        ("ci_overlap", first.pk, None),
        ("blackout", None, blackout.pk),
        ("outside_maintenance", None, None),
    ]
    assert all(c.as_dict().keys() == {"kind", "change", "window", "detail"} for c in conflicts)


def test_query_count_does_not_grow_with_the_number_of_conflicts(make_user):
    db, host, app = make_ci("db-01"), make_ci("host-01"), make_ci("app-01")
    depends(db, host, "runs_on")
    depends(app, db)
    svc = make_service(make_ci("svc"), "Svc")
    depends(svc.ci, app, "contains")
    user = grant(make_user(roles=["agent"]), "changes.view_change")
    change = make_change(db, start=0, end=4)

    def make_rows(n):
        for i in range(n):
            make_change([db, app, host][i % 3], start=1, end=3)
            make_window("blackout", 0, 5, cis=[db, app])
            make_window("blackout", 0, 5, services=[svc])
            make_window("maintenance", 1, 2, cis=[db])
            make_window("maintenance", 1, 2, services=[svc])

    count = assert_query_count_stable(make_rows, lambda: conflicts_for(change, user=user))
    assert count <= 14
    assert len(conflicts_for(change)) == 30 + 60 + 1


# --- many changes at once (a page of them) ---------------------------------------------------------


@pytest.fixture
def estate():
    """Changes at different times on related CIs, with blackouts (for everything, by CI, by service) and
    maintenance windows (for everything, by CI, by service), so every kind of conflict and none both occur."""
    host, db, app, mail, lonely = (make_ci(name) for name in ("host-01", "db-01", "app-01", "mail-01", "lonely"))
    depends(db, host, "runs_on")
    depends(app, db)
    svc = make_service(make_ci("shop"), "Shop")
    depends(svc.ci, app, "contains")
    make_window("blackout", 20, 22)
    make_window("blackout", 3, 5, cis=[db])
    make_window("blackout", 40, 42, services=[svc])
    make_window("maintenance", 0, 6, cis=[db])
    make_window("maintenance", 60, 70)
    make_window("maintenance", 40, 44, services=[svc])
    return [
        make_change(db, start=0, end=2),
        make_change(host, start=1, end=4),
        make_change(app, start=1, end=3, status="authorization"),
        make_change(mail, start=21, end=23),
        make_change(app, mail, start=41, end=43),
        make_change(lonely, start=61, end=62),
        make_change(start=21, end=22),
        make_change(db, start=None, end=None, status="draft"),
        make_change(db, start=2, end=5, status="closed"),
    ]


def test_many_changes_at_once_give_what_each_gives_alone(estate, make_user):
    requester = grant(make_user(roles=["requester"]), "changes.view_change")
    for user in (None, requester):
        alone = {change.pk: conflicts_for(change, user=user) for change in estate}
        together = conflicts_for_changes(estate, user=user)
        assert together == alone
    kinds_found = {c.kind for conflicts in together.values() for c in conflicts}
    assert kinds_found == {"ci_overlap", "blackout", "outside_maintenance"}
    assert together[estate[-2].pk] == [] and together[estate[-1].pk] != []  # no window; closed changes still check


def test_many_changes_at_once_cost_the_same_queries_as_a_few():
    db, app = make_ci("db-01"), make_ci("app-01")
    depends(app, db)
    make_window("blackout", 0, 100, cis=[db])
    make_window("maintenance", 0, 1, cis=[app])
    changes = []

    def make_rows(n):
        for i in range(n):
            changes.append(make_change([db, app][i % 2], make_ci(f"ci-{len(changes)}"), start=i, end=i + 3))

    count = assert_query_count_stable(make_rows, lambda: conflicts_for_changes(changes))
    assert count <= 14
    assert all(conflicts_for_changes(changes).values())
    assert count_queries(lambda: conflicts_for_changes([])) == 0


# --- API -------------------------------------------------------------------------------------------


def url(change):
    return f"/api/v1/changes/{change.pk}/conflicts/"


def test_api_lists_the_conflicts(client_as):
    db = make_ci("db-01")
    change = make_change(db, start=0, end=2)
    other = make_change(db, start=1, end=3)
    window = make_window("blackout", 0, 1, cis=[db])

    response = client_as("agent").get(url(change))

    assert response.status_code == 200, response.content
    assert [(c["kind"], c["change"], c["window"]) for c in response.json()] == [
        ("ci_overlap", other.pk, None),
        ("blackout", None, window.pk),
    ]
    assert all(c["detail"] for c in response.json())


def test_api_a_change_out_of_sight_is_404_and_anonymous_is_401(client_as, make_user, api_client):
    requester = make_user(roles=["requester"])
    own, foreign = make_change(make_ci("laptop"), requester=requester), make_change(make_ci("db-01"))
    client = client_as(user=requester)

    assert client.get(url(own)).status_code == 200
    assert client.get(url(foreign)).status_code == 404
    assert api_client.get(url(own)).status_code == 401
    assert client_as().get(url(own)).status_code == 403


def test_api_query_count_does_not_grow_with_conflicts(client_as):
    client = client_as("agent")
    db = make_ci("db-01")
    change = make_change(db, start=0, end=4)

    def make_rows(n):
        for _ in range(n):
            make_change(db, start=1, end=3)
            make_window("blackout", 0, 5, cis=[db])

    assert_query_count_stable(make_rows, lambda: client.get(url(change)))
    assert len(client.get(url(change)).json()) == 60
