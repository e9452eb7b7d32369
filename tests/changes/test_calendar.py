"""The change calendar: the selector (range, visibility, filters, validation, query count) and its API."""

import pytest
from django.core.exceptions import ValidationError

from changes.selectors import change_calendar
from itsm.testing.queries import assert_query_count_stable
from tests.changes.analysis_data import at, grant, make_change, make_ci, make_service, make_window
from tests.itsm.factories import TeamFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/changes/calendar/"


@pytest.fixture
def viewer(make_user):
    return grant(make_user(roles=["agent"]), "changes.view_change", "changes.view_changewindow")


def calendar(user, start=0, end=24, **filters):
    return change_calendar(user=user, start=at(start), end=at(end), **filters)


def ids(rows):
    return [row.pk for row in rows]


def test_changes_and_windows_meeting_the_range(viewer):
    ci = make_ci("db-01")
    inside = make_change(ci, start=2, end=3)
    across_start = make_change(ci, start=-5, end=1, status="implementation")
    across_end = make_change(ci, start=23, end=30, status="closed")
    covering = make_change(ci, start=-48, end=48, status="assessment")
    make_change(ci, start=-5, end=0)  # ends when the range starts
    make_change(ci, start=24, end=26)  # starts when it ends
    for status in ("draft", "rejected", "cancelled"):
        make_change(ci, start=2, end=3, status=status)
    make_change(ci, start=None, end=None, status="assessment")
    window = make_window("blackout", 20, 40)
    make_window("maintenance", 24, 30)

    result = calendar(viewer)

    assert ids(result.changes) == [covering.pk, across_start.pk, inside.pk, across_end.pk]
    assert ids(result.windows) == [window.pk]


def test_only_changes_the_user_may_view(make_user):
    requester = grant(make_user(roles=["requester"]), "changes.view_change")
    own = make_change(make_ci("laptop"), requester=requester)
    make_change(make_ci("db-01"))
    make_window("blackout", 1, 2)

    result = calendar(requester)

    assert ids(result.changes) == [own.pk]
    assert result.windows == []  # no permission to view windows


def test_filter_by_team(viewer):
    team, other_team = TeamFactory(), TeamFactory()
    ours = make_change(make_ci("db-01"), assignment_group=team)
    make_change(make_ci("db-02"), assignment_group=other_team)
    window = make_window("blackout", 1, 2)

    result = calendar(viewer, team=team)

    assert ids(result.changes) == [ours.pk] and ids(result.windows) == [window.pk]


def test_filter_by_ci(viewer):
    db, web = make_ci("db-01"), make_ci("web-01")
    service = make_service(db, "Database service")
    on_db = make_change(db, web)
    make_change(web)
    for_all = make_window("blackout", 1, 2)
    on_ci = make_window("maintenance", 1, 2, cis=[db])
    on_service = make_window("maintenance", 3, 4, services=[service])
    make_window("maintenance", 1, 2, cis=[web])

    result = calendar(viewer, ci=db.pk)

    assert ids(result.changes) == [on_db.pk]
    assert ids(result.windows) == [for_all.pk, on_ci.pk, on_service.pk]


def test_filter_by_service_uses_impacted_services_and_the_service_ci(viewer):
    shop_ci, db, mail = make_ci("shop"), make_ci("db-01"), make_ci("mail")
    shop = make_service(shop_ci, "Web shop")
    impacting = make_change(db)
    impacting.impacted_services.set([shop])
    on_service_ci = make_change(shop_ci, start=1, end=2)
    make_change(mail)
    for_all = make_window("blackout", 1, 2)
    for_shop = make_window("blackout", 3, 4, services=[shop])
    make_window("blackout", 3, 4, cis=[db])

    result = calendar(viewer, service=shop)

    assert ids(result.changes) == [impacting.pk, on_service_ci.pk]
    assert ids(result.windows) == [for_all.pk, for_shop.pk]


@pytest.mark.parametrize(
    "start, end, field",
    [(5, 5, "end"), (5, 1, "end"), (0, 24 * 101, "end"), (None, 5, "start"), (0, None, "end")],
)
def test_invalid_ranges_are_field_errors(viewer, start, end, field):
    with pytest.raises(ValidationError) as error:
        change_calendar(
            user=viewer, start=at(start) if start is not None else None, end=at(end) if end is not None else None
        )
    assert field in error.value.message_dict


def test_query_count_does_not_grow_with_rows(viewer):
    ci, team = make_ci("db-01"), TeamFactory()

    def make_rows(n):
        for i in range(n):
            make_change(ci, start=i % 20, end=i % 20 + 2, assignment_group=team)
            make_window("blackout", i % 20, i % 20 + 1, cis=[ci], services=[make_service(make_ci(f"s{ci.pk}-{n}-{i}"))])

    count = assert_query_count_stable(make_rows, lambda: calendar(viewer))
    assert count <= 4


# --- API -------------------------------------------------------------------------------------------


def params(start=0, end=24 * 30, **extra):
    return {"start": at(start).isoformat(), "end": at(end).isoformat(), **extra}


def test_api_month_view(client_as):
    client = client_as("change_manager")
    team = TeamFactory(name="DBA")
    ci = make_ci("db-01")
    change = make_change(ci, start=5, end=7, assignment_group=team, title="Upgrade", risk="high")
    window = make_window("blackout", 100, 110, cis=[ci], name="Freeze")

    response = client.get(URL, params())

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["changes"] == [
        {
            "id": change.pk,
            "number": change.number,
            "title": "Upgrade",
            "type": "normal",
            "status": "scheduled",
            "risk": "high",
            "planned_start": "2026-06-01T13:00:00Z",
            "planned_end": "2026-06-01T15:00:00Z",
            "assignment_group": {"id": team.pk, "display": "DBA"},
            "url": f"http://testserver/api/v1/changes/{change.pk}/",
        }
    ]
    assert body["windows"] == [
        {
            "id": window.pk,
            "name": "Freeze",
            "kind": "blackout",
            "start": "2026-06-05T12:00:00Z",
            "end": "2026-06-05T22:00:00Z",
            "services": [],
            "configuration_items": [{"id": ci.pk, "display": "db-01"}],
            "url": f"http://testserver/api/v1/change-windows/{window.pk}/",
        }
    ]


def test_api_filters(client_as):
    client = client_as("change_manager")
    team = TeamFactory()
    db, web = make_ci("db-01"), make_ci("web-01")
    ours = make_change(db, assignment_group=team)
    make_change(web)

    def numbers(**extra):
        response = client.get(URL, params(**extra))
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["changes"]]

    assert numbers(assignment_group=team.pk) == [ours.pk]
    assert numbers(ci=db.pk) == [ours.pk]
    assert numbers(service=make_service(db).pk) == [ours.pk]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"start": "2026-06-10T00:00:00Z", "end": "2026-06-01T00:00:00Z"}, "end"),
        ({"start": "2026-01-01", "end": "2026-06-01"}, "end"),
        ({"end": "2026-06-01"}, "start"),
        ({"start": "yesterday", "end": "2026-06-01"}, "start"),
        ({**params(), "ci": "999999"}, "ci"),
        ({**params(), "assignment_group": "x"}, "assignment_group"),
    ],
)
def test_api_bad_input_is_a_field_error(client_as, query, field):
    response = client_as("change_manager").get(URL, query)

    assert response.status_code == 400
    assert field in response.json()


def test_api_needs_a_signed_in_user_with_view_permission(api_client, client_as):
    assert api_client.get(URL, params()).status_code == 401
    assert client_as().get(URL, params()).status_code == 403


def test_api_requester_sees_only_own_changes(client_as, make_user):
    requester = make_user(roles=["requester"])
    own = make_change(make_ci("laptop"), requester=requester)
    make_change(make_ci("db-01"))

    response = client_as(user=requester).get(URL, params())

    assert [row["id"] for row in response.json()["changes"]] == [own.pk]


def test_api_query_count_does_not_grow_with_rows(client_as):
    client = client_as("change_manager")
    ci = make_ci("db-01")

    def make_rows(n):
        for i in range(n):
            make_change(ci, start=i, end=i + 1, assignment_group=TeamFactory())
            make_window("maintenance", i, i + 1, cis=[ci])

    assert_query_count_stable(make_rows, lambda: client.get(URL, params(end=24 * 5)))
    assert len(client.get(URL, params(end=24 * 5)).json()["changes"]) == 30


def test_api_month_boundaries_in_time_zone(client_as):
    client = client_as("change_manager")
    change = make_change(make_ci("db-01"), start=-9, end=-8)  # 2026-05-31 23:00 UTC: 1 June 01:00 at +02:00

    response = client.get(URL, {"start": "2026-06-01T00:00:00+02:00", "end": "2026-07-01T00:00:00+02:00"})

    assert [row["id"] for row in response.json()["changes"]] == [change.pk]
