"""Change Management browser UI, the CAB's side: My CAB approvals and voting (htmx), CABs and change windows, the
CAB agenda, and the change calendar."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from changes.models import CAB, Approval, ChangeWindow
from changes.services import approval_cast
from itsm.testing.queries import assert_query_count_stable
from tests.changes.factories import make_cab, make_change, make_window, window_from_now
from tests.changes.test_views import APPROVALS, CALENDAR, JUNE, hx
from tests.cmdb.factories import CIFactory
from tests.itsm.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


# ---- CAB votes ----------------------------------------------------------------------------------------------
@pytest.fixture
def board():
    """A majority CAB of three members and a change awaiting it (two approvals authorise it)."""
    members = [UserFactory(roles=["cab_member"]) for _ in range(3)]
    cab = make_cab(members=members, policy="majority")
    change = make_change(status="authorization", cab=cab, **window_from_now())
    return members, cab, change


def test_approvals_page_lists_my_boards_changes_only(client, board):
    members, cab, change = board
    elsewhere = make_change(status="authorization", cab=make_cab(), title="Another board's")
    decided = make_change(status="scheduled", cab=cab, title="Already scheduled")
    client.force_login(members[0])
    response = client.get(APPROVALS)
    assert [c.number for c in response.context["changes"]] == [change.number]
    content = response.content.decode()
    assert elsewhere.number not in content and decided.number not in content
    assert 'id="conflicts-' in content and reverse("changes:change_conflicts", args=[change.pk]) not in content


def test_voting_on_the_approvals_page_replaces_a_vote_and_authorises(client, board):
    members, cab, change = board
    url = reverse("changes:change_vote", args=[change.pk])
    client.force_login(members[0])
    target = hx(f"approval-{change.pk}")
    first = client.post(url, {"decision": "reject", "comment": "Back-out plan thin"}, **target)
    assert first.status_code == 200 and 'data-my-vote="reject"' in first.content.decode()
    second = client.post(url, {"decision": "approve", "comment": "Fine after the call"}, **target)
    assert 'data-my-vote="approve"' in second.content.decode()
    vote = Approval.objects.get(change=change)
    assert (vote.voter, vote.decision, vote.comment) == (members[0], "approve", "Fine after the call")
    change.refresh_from_db()
    assert change.authorized_at is None
    client.force_login(members[1])
    deciding = client.post(url, {"decision": "approve"}, **target)
    content = deciding.content.decode()
    assert deciding.status_code == 200 and "data-authorised" in content and 'name="decision"' not in content
    change.refresh_from_db()
    assert change.status == "authorization" and change.authorized_at is not None
    client.force_login(members[2])
    late = client.post(url, {"decision": "reject"}, **target)
    assert late.status_code == 409 and "already authorised" in late.content.decode()
    assert Approval.objects.filter(change=change).count() == 2


def test_the_vote_that_makes_the_policy_impossible_rejects_the_change(client, board):
    members, cab, change = board
    url = reverse("changes:change_vote", args=[change.pk])
    for member in members[:2]:
        client.force_login(member)
        response = client.post(url, {"decision": "reject", "comment": "No back-out"}, **hx(f"approval-{change.pk}"))
    assert response.status_code == 200 and 'data-status="rejected"' in response.content.decode()
    change.refresh_from_db()
    assert change.status == "rejected"


def test_votes_from_outsiders_or_bad_input_change_nothing(client, sign_in, board):
    members, cab, change = board
    url = reverse("changes:change_vote", args=[change.pk])
    sign_in("cab_member")
    outsider = client.post(url, {"decision": "approve"}, **hx(f"approval-{change.pk}"))
    assert outsider.status_code == 403
    client.force_login(members[0])
    bad = client.post(url, {"decision": "maybe"}, **hx(f"approval-{change.pk}"))
    assert bad.status_code == 422
    sign_in("agent")
    assert client.post(url, {"decision": "approve"}).status_code == 403  # no vote permission at all
    assert Approval.objects.count() == 0


def test_voting_from_the_change_page_swaps_the_main_block(client, board):
    members, cab, change = board
    client.force_login(members[0])
    page = client.get(reverse("changes:change", args=[change.pk])).content.decode()
    assert 'hx-target="#change-main"' in page and 'value="approve"' in page
    response = client.post(
        reverse("changes:change_vote", args=[change.pk]), {"decision": "approve"}, **hx("change-main")
    )
    assert response.status_code == 200 and response["HX-Retarget"] == "#change-main"
    assert response.context["my_vote"].decision == "approve"


def test_vote_without_javascript_redirects_with_a_message(client, board):
    members, cab, change = board
    client.force_login(members[0])
    response = client.post(reverse("changes:change_vote", args=[change.pk]), {"decision": "abstain"})
    assert response.status_code == 302 and response.url == APPROVALS
    assert Approval.objects.get().decision == "abstain"


def test_approvals_page_shows_each_changes_conflicts_without_a_request_per_row(client, board):
    members, cab, change = board
    ci = CIFactory(name="core-sw-01")
    window = window_from_now(days=5)
    clashing = make_change(status="authorization", cab=cab, configuration_items=[ci], **window)
    other = make_change(status="scheduled", configuration_items=[ci], **window)
    freeze = make_window(kind="blackout", name="Freeze", start=window["planned_start"], end=window["planned_end"])
    client.force_login(members[0])
    response = client.get(APPROVALS)
    rows = {row.pk: row.conflicts for row in response.context["changes"]}
    assert [(c["kind"], c["change"], c["window"]) for c in rows[clashing.pk]] == [
        ("ci_overlap", other.pk, None),
        ("blackout", None, freeze.pk),
    ]
    assert [c["kind"] for c in rows[change.pk]] == []
    content = response.content.decode()
    panel = content.split(f'id="conflicts-{clashing.pk}"')[1]
    assert panel.lstrip(">\n ").startswith('<details class="small" data-conflicts="2">')
    assert other.number in content and 'hx-trigger="revealed"' not in content


def test_approvals_query_count_does_not_grow_with_rows(client):
    """3 rows and 30 cost the same queries, conflicts included (each row has some: a shared CI, a blackout)."""
    me, colleague = UserFactory(roles=["cab_member"]), UserFactory(roles=["cab_member"])
    cab = make_cab(members=[me, colleague, UserFactory(roles=["cab_member"])])
    shared, window = CIFactory(), window_from_now()
    make_window(kind="blackout", start=window["planned_start"], end=window["planned_end"], configuration_items=[shared])
    client.force_login(me)

    def make_rows(count):
        for _ in range(count):
            change = make_change(status="authorization", cab=cab, configuration_items=[CIFactory(), shared], **window)
            approval_cast(actor=colleague, change=change, decision="approve", comment="ok")

    assert assert_query_count_stable(make_rows, lambda: client.get(APPROVALS)) <= 25
    rows = client.get(APPROVALS).context["changes"]
    assert len(rows) == 30 and all(len(row.conflicts) == 30 for row in rows)  # 29 other changes and the blackout


# ---- CABs and windows ---------------------------------------------------------------------------------------
def test_change_manager_creates_and_edits_a_cab(client, sign_in):
    manager = sign_in("change_manager")
    member = UserFactory(roles=["cab_member"])
    data = {"name": "Network CAB", "members": [manager.pk, member.pk], "chair": manager.pk, "policy": "quorum"}
    missing = client.post(reverse("changes:cab_add"), data)
    assert missing.status_code == 422 and "quorum_percent" in missing.context["form"].errors
    assert CAB.objects.count() == 0
    response = client.post(reverse("changes:cab_add"), {**data, "quorum_percent": 60})
    cab = CAB.objects.get()
    assert response.status_code == 302 and response.url == reverse("changes:cab", args=[cab.pk])
    assert (set(cab.members.all()), cab.chair, cab.quorum_percent) == ({manager, member}, manager, 60)
    outsider = UserFactory(roles=["cab_member"])
    loaded = cab.updated_at.isoformat()
    not_member_chair = {**data, "quorum_percent": 60, "chair": outsider.pk, "updated_at": loaded}
    edit = client.post(reverse("changes:cab_edit", args=[cab.pk]), not_member_chair)
    assert edit.status_code == 422 and "chair" in edit.context["form"].errors
    renamed = client.post(
        reverse("changes:cab_edit", args=[cab.pk]), {**data, "quorum_percent": 50, "updated_at": loaded}
    )
    assert renamed.status_code == 302
    stale = client.post(
        reverse("changes:cab_edit", args=[cab.pk]), {**data, "quorum_percent": 70, "updated_at": loaded}
    )
    assert stale.status_code == 409 and "changed by someone else" in stale.content.decode()
    cab.refresh_from_db()
    assert cab.quorum_percent == 50
    page = client.get(reverse("changes:cab", args=[cab.pk])).content.decode()
    assert "Network CAB" in page and str(member) in page


def test_change_manager_creates_a_window_and_bad_ranges_are_refused(client, sign_in):
    sign_in("change_manager")
    ci = CIFactory(name="core-sw-01")
    data = {"name": "Freeze", "kind": "blackout", "start": "2030-06-12T10:00", "end": "2030-06-12T09:00"}
    bad = client.post(reverse("changes:window_add"), data)
    assert bad.status_code == 422 and "end" in bad.context["form"].errors and ChangeWindow.objects.count() == 0
    response = client.post(
        reverse("changes:window_add"), {**data, "end": "2030-06-13T09:00", "configuration_items": [ci.pk]}
    )
    window = ChangeWindow.objects.get()
    assert response.status_code == 302 and list(window.configuration_items.all()) == [ci]
    assert "core-sw-01" in client.get(reverse("changes:window", args=[window.pk])).content.decode()
    listed = client.get(reverse("changes:window_list")).content.decode()
    assert "Freeze" in listed


def test_agenda_lists_the_changes_awaiting_the_board_with_their_conflicts(client, sign_in):
    sign_in("cab_member")
    cab = make_cab()
    ci = CIFactory()
    window = {"planned_start": JUNE, "planned_end": JUNE + timedelta(hours=2)}
    waiting = make_change(status="authorization", cab=cab, configuration_items=[ci], **window)
    authorised = make_change(status="authorization", cab=cab, authorized_at=timezone.now(), title="Authorised one")
    make_change(status="scheduled", configuration_items=[ci], **window)
    response = client.get(reverse("changes:cab_agenda", args=[cab.pk]))
    assert [c.number for c in response.context["changes"]] == [waiting.number]
    assert response.context["changes"][0].conflicts[0]["kind"] == "ci_overlap"
    content = response.content.decode()
    assert "@media print" in content and authorised.number not in content


# ---- the calendar -------------------------------------------------------------------------------------------
def test_calendar_places_changes_and_windows_on_their_days(client, sign_in):
    sign_in("agent")
    team = TeamFactory()
    spanning = make_change(
        status="scheduled",
        title="Overnight",
        assignment_group=team,
        planned_start=JUNE.replace(hour=22),
        planned_end=JUNE.replace(hour=22) + timedelta(hours=4),
    )
    make_change(status="draft", title="Draft", planned_start=JUNE, planned_end=JUNE + timedelta(hours=1))
    freeze = make_window(kind="blackout", name="Freeze", start=JUNE.replace(day=20), end=JUNE.replace(day=21, hour=0))
    response = client.get(CALENDAR, {"date": "2030-06-12"})
    days = {day.date.isoformat(): day for week in response.context["weeks"] for day in week}
    assert [c.number for c in days["2030-06-12"].changes] == [spanning.number]
    assert [c.number for c in days["2030-06-13"].changes] == [spanning.number]  # runs past midnight
    assert days["2030-06-14"].changes == []
    assert [w.pk for w in days["2030-06-20"].windows] == [freeze.pk] and days["2030-06-21"].windows == []
    assert "Draft" not in response.content.decode()
    assert min(days) == "2030-05-27" and max(days) == "2030-06-30"  # whole weeks, Monday first
    other_team = client.get(CALENDAR, {"date": "2030-06-12", "team": TeamFactory().pk})
    assert other_team.context["change_count"] == 0
    week = client.get(CALENDAR, {"date": "2030-06-12", "view": "week"}, **hx("calendar-body"))
    assert b"<html" not in week.content and len(week.context["weeks"]) == 1
    assert week.context["weeks"][0][0].date.isoformat() == "2030-06-10"


def test_calendar_filters_by_ci_and_service(client, sign_in):
    from slm.models import Service

    sign_in("agent")
    ci, elsewhere = CIFactory(name="lb-01"), CIFactory()
    service = Service.objects.create(name="Shop", ci=ci)
    window = {"planned_start": JUNE, "planned_end": JUNE + timedelta(hours=1)}
    on_ci = make_change(status="scheduled", configuration_items=[ci], **window)
    make_change(status="scheduled", configuration_items=[elsewhere], **window)
    by_ci = client.get(CALENDAR, {"date": "2030-06-12", "ci": ci.pk})
    assert by_ci.context["change_count"] == 1 and on_ci.number in by_ci.content.decode()
    assert "lb-01" in by_ci.content.decode()  # the picked CI is shown in the filter
    assert client.get(CALENDAR, {"date": "2030-06-12", "service": service.pk}).context["change_count"] == 1


def test_month_cells_fold_away_what_does_not_fit(client, sign_in):
    import changes.views.calendar as calendar

    sign_in("agent")
    for n in range(calendar.MONTH_CELL_LIMIT + 2):
        make_change(status="scheduled", title=f"Busy {n}", planned_start=JUNE, planned_end=JUNE + timedelta(hours=1))
    day = next(d for w in client.get(CALENDAR, {"date": "2030-06-12"}).context["weeks"] for d in w if d.date.day == 12)
    assert (len(day.changes), day.hidden) == (calendar.MONTH_CELL_LIMIT, 2)
    week = client.get(CALENDAR, {"date": "2030-06-12", "view": "week"}).context["weeks"][0]
    assert len(week[2].changes) == calendar.MONTH_CELL_LIMIT + 2


def test_calendar_query_count_does_not_grow_with_rows(client, sign_in):
    sign_in("agent")
    team = TeamFactory()

    def make_rows(count):
        for n in range(count):
            start = JUNE + timedelta(days=n % 10)
            make_change(
                status="scheduled", assignment_group=team, planned_start=start, planned_end=start + timedelta(hours=30)
            )
            make_window(
                kind=["blackout", "maintenance"][n % 2], start=start, end=start + timedelta(hours=5), services=[]
            )

    assert assert_query_count_stable(make_rows, lambda: client.get(CALENDAR, {"date": "2030-06-12"})) <= 12
