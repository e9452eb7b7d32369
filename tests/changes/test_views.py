"""Change Management browser UI, the requester's and change manager's side: every page renders, permissions, the change
list, the RFC form and its preview, standard changes, the change page (risk override, conflicts, transitions, CAB
panel, comments), the incident link and the menu. The CAB's side is in test_views_cab.py."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from changes.models import Change
from changes.services import approval_cast, change_update
from incidents.models import Incident
from incidents.services import incident_create
from itsm.models import AuditEvent, JournalEntry
from itsm.navigation import navigation_for
from itsm.testing.queries import assert_query_count_stable
from tests.changes.factories import make_cab, make_change, make_template, make_window, window_from_now
from tests.cmdb.factories import CIFactory
from tests.itsm.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("changes:change_list")
APPROVALS = reverse("changes:approval_list")
CALENDAR = reverse("changes:calendar")
# A month far from today, so "today" and the current month never meet the test data.
JUNE = datetime(2030, 6, 12, 9, 0, tzinfo=UTC)


def hx(target: str = "") -> dict:
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


def numbers(response) -> list[str]:
    return [change.number for change in response.context["rows"]]


def local(value: datetime) -> str:
    """A datetime as the browser's datetime-local input sends it (the user's time zone is UTC here)."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def rfc_data(**values) -> dict:
    data = {"type": "normal", "title": "Upgrade the mail relay", "impact": "medium"}
    return {**data, **values}


def edit_data(change: Change, **values) -> dict:
    """What the edit form posts back for an unchanged change, with `values` changed."""
    data = {
        "type": change.type,
        "title": change.title,
        "description": change.description,
        "justification": change.justification,
        "impact": change.impact,
        "implementation_plan": change.implementation_plan,
        "backout_plan": change.backout_plan,
        "test_plan": change.test_plan,
        "configuration_items": [ci.pk for ci in change.configuration_items.all()],
        "planned_start": local(change.planned_start) if change.planned_start else "",
        "planned_end": local(change.planned_end) if change.planned_end else "",
        "assignment_group": change.assignment_group_id or "",
        "assignee": change.assignee_id or "",
        "cab": change.cab_id or "",
        "version": change.version,
    }
    return {**data, **values}


# ---- pages and permissions ----------------------------------------------------------------------------------
@pytest.fixture
def estate(make_user):
    """A change manager, a CAB with a change awaiting it, a window, a template and a change with conflicts."""
    manager = make_user("carla", roles=["change_manager"])
    cab = make_cab(members=[manager, UserFactory(roles=["cab_member"])])
    ci = CIFactory(name="mail-01")
    window = make_window(kind="blackout", name="Year-end freeze")
    change = make_change(status="authorization", cab=cab, configuration_items=[ci], **window_from_now())
    template = make_template(allowed_roles=["agent"])
    return {"manager": manager, "cab": cab, "window": window, "change": change, "template": template, "ci": ci}


def test_every_page_renders_for_a_change_manager(client, estate):
    client.force_login(estate["manager"])
    change, cab, window = estate["change"], estate["cab"], estate["window"]
    urls = [
        LIST,
        reverse("changes:change_add"),
        reverse("changes:change", args=[change.pk]),
        reverse("changes:change_edit", args=[change.pk]),
        reverse("changes:change_conflicts", args=[change.pk]),
        reverse("changes:change_risk", args=[change.pk]),
        reverse("changes:change_transition", args=[change.pk, "cancel"]),
        APPROVALS,
        CALENDAR,
        f"{CALENDAR}?view=week",
        reverse("changes:cab_list"),
        reverse("changes:cab_add"),
        reverse("changes:cab", args=[cab.pk]),
        reverse("changes:cab_edit", args=[cab.pk]),
        reverse("changes:cab_agenda", args=[cab.pk]),
        reverse("changes:window_list"),
        reverse("changes:window_add"),
        reverse("changes:window", args=[window.pk]),
        reverse("changes:window_edit", args=[window.pk]),
        reverse("changes:template_list"),
        reverse("changes:template_raise", args=[estate["template"].pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    assert change.number in client.get(APPROVALS).content.decode()
    assert change.number in client.get(reverse("changes:cab_agenda", args=[cab.pk])).content.decode()


def test_anonymous_is_sent_to_sign_in(client, estate):
    response = client.get(reverse("changes:change", args=[estate["change"].pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize(
    "role, name",
    [
        ("agent", "approval_list"),
        ("agent", "cab_add"),
        ("agent", "window_add"),
        ("cab_member", "change_add"),
        ("requester", "change_add"),
        ("requester", "cab_list"),
        ("requester", "template_list"),
    ],
)
def test_pages_a_role_may_not_use_are_403(client, sign_in, role, name):
    sign_in(role)
    assert client.get(reverse(f"changes:{name}")).status_code == 403


def test_a_requester_sees_only_their_own_changes(client, sign_in):
    requester = sign_in("requester")
    own = make_change(requester=requester, title="Mine")
    other = make_change(title="Someone else's")
    assert numbers(client.get(LIST)) == [own.number]
    assert client.get(reverse("changes:change", args=[own.pk])).status_code == 200
    for name in ("change", "change_conflicts"):
        assert client.get(reverse(f"changes:{name}", args=[other.pk])).status_code == 404
    edit = client.post(reverse("changes:change_edit", args=[own.pk]), edit_data(own, title="Hacked"))
    assert edit.status_code == 403
    submit = client.post(reverse("changes:change_transition", args=[own.pk, "submit"]), {"version": own.version})
    assert submit.status_code == 403
    own.refresh_from_db()
    assert (own.title, own.status) == ("Mine", "draft")


def test_risk_override_is_for_change_managers_only(client, sign_in):
    sign_in("agent")
    change = make_change()
    response = client.post(
        reverse("changes:change_risk", args=[change.pk]), {"risk": "high", "risk_override_reason": "x"}
    )
    assert response.status_code == 403
    assert "Override risk" not in client.get(reverse("changes:change", args=[change.pk])).content.decode()
    change.refresh_from_db()
    assert change.risk_override_reason == ""


# ---- the change list ----------------------------------------------------------------------------------------
def test_list_filters_and_htmx_gets_results_only(client, sign_in):
    agent = sign_in("agent")
    team, cab = TeamFactory(name="Mail"), make_cab()
    ci = CIFactory(name="relay-01")
    mail = make_change(actor=agent, title="Patch the mail relay", assignment_group=team, configuration_items=[ci])
    emergency = make_change(actor=agent, type="emergency", title="Fix VPN", status="assessment")
    planned = make_change(
        actor=agent, title="DB upgrade", cab=cab, planned_start=JUNE, planned_end=JUNE + timedelta(hours=2)
    )
    response = client.get(LIST, {"q": "mail relay"}, **hx("list-results"))
    assert numbers(response) == [mail.number] and b"<html" not in response.content
    assert numbers(client.get(LIST, {"type": "emergency"})) == [emergency.number]
    assert numbers(client.get(LIST, {"status": "assessment"})) == [emergency.number]
    assert numbers(client.get(LIST, {"assignment_group": team.pk})) == [mail.number]
    assert numbers(client.get(LIST, {"cab": cab.pk})) == [planned.number]
    assert numbers(client.get(LIST, {"configuration_items": ci.pk})) == [mail.number]
    assert numbers(client.get(LIST, {"risk": planned.risk, "q": "DB"})) == [planned.number]
    in_june = {"planned_end_after": "2030-06-12T00:00", "planned_start_before": "2030-06-13T00:00"}
    assert numbers(client.get(LIST, in_june)) == [planned.number]
    page = client.get(LIST, {"configuration_items": ci.pk}).content.decode()
    assert f'value="{ci.pk}" form="filter-form"' in page and "relay-01" in page


@pytest.mark.parametrize("sort", ["-number", "title", "risk", "-risk", "planned", "-status", "updated"])
def test_list_pages_by_keyset(client, sign_in, monkeypatch, sort):
    import changes.views.lists as lists

    agent = sign_in("change_manager")
    for n in range(5):
        window = (
            {"planned_start": JUNE + timedelta(days=n % 2), "planned_end": JUNE + timedelta(days=3)} if n % 3 else {}
        )
        change = make_change(actor=agent, title=f"Change {n % 2}", **window)
        if n % 2:
            change_update(actor=agent, change=change, data={"risk": "very_high", "risk_override_reason": "Because"})
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    seen, after = [], ""
    for _page in range(3):
        response = client.get(LIST, {"sort": sort, "after": after})
        seen += [change.pk for change in response.context["rows"]]
        after = response.context["next_after"] or ""
    assert after == "" and len(seen) == 5 == len(set(seen))
    first = client.get(LIST, {"sort": sort}).context["rows"]
    assert seen[:2] == [change.pk for change in first]
    if sort == "risk":
        risks = list(Change.objects.filter(pk__in=seen).values_list("pk", "risk"))
        order = {pk: ["low", "medium", "high", "very_high"].index(risk) for pk, risk in risks}
        assert [order[pk] for pk in seen] == sorted(order[pk] for pk in seen)


def test_list_query_count_does_not_grow_with_rows(client, sign_in):
    agent = sign_in("agent")
    team, cab = TeamFactory(), make_cab()

    def make_rows(count):
        for _ in range(count):
            make_change(actor=agent, assignment_group=team, assignee=agent, cab=cab, **window_from_now())

    assert assert_query_count_stable(make_rows, lambda: client.get(LIST)) <= 15


# ---- the RFC form and its preview ---------------------------------------------------------------------------
def test_raising_an_rfc_saves_it_through_the_service(client, sign_in):
    agent = sign_in("agent")
    ci, cab = CIFactory(), make_cab()
    window = window_from_now()
    data = rfc_data(
        configuration_items=[ci.pk],
        planned_start=local(window["planned_start"]),
        planned_end=local(window["planned_end"]),
        justification="End of support",
        implementation_plan="Upgrade",
        cab=cab.pk,
    )
    response = client.post(reverse("changes:change_add"), data)
    change = Change.objects.get()
    assert response.status_code == 302 and response.url == reverse("changes:change", args=[change.pk])
    assert (change.status, change.requester, change.cab, change.planned_start) == (
        "draft",
        agent,
        cab,
        window["planned_start"].replace(second=0),
    )
    assert list(change.configuration_items.all()) == [ci]
    assert change.risk_reasons  # computed by the analysis on create
    assert AuditEvent.objects.filter(object_type="changes.change", object_id=str(change.pk), action="create").exists()


@pytest.mark.parametrize(
    "values, field",
    [
        ({"planned_start": "2030-06-12T10:00", "planned_end": "2030-06-12T09:00"}, "planned_end"),
        ({"planned_start": "2030-06-12T10:00"}, "planned_end"),
        ({"title": ""}, "title"),
        ({"type": "standard"}, "type"),
        ({"type": "bogus"}, "type"),
    ],
)
def test_rfc_form_errors_are_field_level_and_nothing_is_saved(client, sign_in, values, field):
    sign_in("agent")
    response = client.post(reverse("changes:change_add"), rfc_data(**values))
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert Change.objects.count() == 0


def test_emergency_change_with_a_normal_cab_is_refused_on_the_cab_field(client, sign_in):
    sign_in("agent")
    response = client.post(reverse("changes:change_add"), rfc_data(type="emergency", cab=make_cab().pk))
    assert response.status_code == 422 and "cab" in response.context["form"].errors
    assert Change.objects.count() == 0


def test_edit_saves_only_what_changed(client, sign_in):
    agent = sign_in("agent")
    start = JUNE.replace(second=30)  # seconds the minute picker cannot show must not count as a move
    change = make_change(actor=agent, planned_start=start, planned_end=start + timedelta(hours=1))
    response = client.post(reverse("changes:change_edit", args=[change.pk]), edit_data(change, title="Renamed"))
    assert response.status_code == 302
    change.refresh_from_db()
    assert (change.title, change.planned_start, change.version) == ("Renamed", start, 2)


def test_stale_edit_shows_the_conflict_and_saves_nothing(client, sign_in):
    agent = sign_in("agent")
    change = make_change(actor=agent, title="Original")
    stale = edit_data(change, title="Mine")
    first = client.post(reverse("changes:change_edit", args=[change.pk]), edit_data(change, title="Theirs"))
    assert first.status_code == 302
    response = client.post(reverse("changes:change_edit", args=[change.pk]), stale)
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert response.context["form"]["title"].value() == "Mine"  # the user's edit stays in the form
    change.refresh_from_db()
    assert (change.title, change.version) == ("Theirs", 2)


def test_fields_frozen_by_the_state_are_disabled(client, sign_in):
    agent = sign_in("agent")
    change = make_change(actor=agent, status="implementation", cab=make_cab(), **window_from_now())
    form = client.get(reverse("changes:change_edit", args=[change.pk])).context["form"]
    assert all(form.fields[name].disabled for name in ("type", "cab", "planned_start", "planned_end"))
    assert not form.fields["title"].disabled


def test_preview_shows_risk_impacted_services_and_conflicts(client, sign_in):
    from slm.models import Service

    sign_in("agent")
    db, app = CIFactory(name="db-01", environment="production"), CIFactory(name="app-01")
    from cmdb.models import CIRelationship

    CIRelationship.objects.create(source=app, target=db, type="depends_on")
    Service.objects.create(name="Web Shop", ci=app)
    other = make_change(
        title="Other work on db-01",
        status="scheduled",
        configuration_items=[db],
        planned_start=JUNE,
        planned_end=JUNE + timedelta(hours=4),
    )
    data = {
        "type": "emergency",
        "configuration_items": [db.pk],
        "planned_start": local(JUNE + timedelta(hours=1)),
        "planned_end": local(JUNE + timedelta(hours=2)),
    }
    response = client.post(reverse("changes:change_preview"), data, **hx("preview"))
    content = response.content.decode()
    assert response.status_code == 200 and b"<html" not in response.content
    assert response.context["assessment"].reasons and "Emergency change" in content
    assert "Web Shop" in content
    assert [c["change"] for c in response.context["conflicts"]] == [other.pk]
    assert reverse("changes:change", args=[other.pk]) in content
    # Editing that other change: it does not conflict with itself.
    data["preview_change"] = other.pk
    assert client.post(reverse("changes:change_preview"), data).context["conflicts"] == []
    assert Change.objects.count() == 1  # the preview writes nothing


def test_preview_without_window_or_with_bad_values_explains_itself(client, sign_in):
    sign_in("agent")
    no_window = client.post(reverse("changes:change_preview"), {"type": "normal"})
    assert "Give the planned start and end" in no_window.content.decode()
    bad = client.post(reverse("changes:change_preview"), {"type": "normal", "configuration_items": [987654]})
    assert bad.status_code == 200 and "assessment" not in bad.context and "alert" in bad.content.decode()


def test_ci_typeahead_finds_visible_cis(client, sign_in):
    sign_in("agent")
    CIFactory(name="srv-mail-01")
    CIFactory(name="srv-web-01")
    response = client.get(reverse("changes:ci_search"), {"q": "mail", "target": "configuration_items"})
    assert b"srv-mail-01" in response.content and b"srv-web-01" not in response.content
    assert b'data-pick="configuration_items"' in response.content
    unknown = client.get(reverse("changes:ci_search"), {"q": "mail", "target": "<script>"})
    assert b"srv-mail-01" not in unknown.content


# ---- standard changes ---------------------------------------------------------------------------------------
def test_template_catalog_lists_only_what_the_role_may_raise(client, sign_in):
    agent = sign_in("agent")
    open_to_agents = make_template(name="Patch Linux", allowed_roles=["agent"])
    managers_only = make_template(name="Firewall rule")
    response = client.get(reverse("changes:template_list"))
    assert [t.name for t in response.context["templates"]] == ["Patch Linux"]
    refused = client.post(reverse("changes:template_raise", args=[managers_only.pk]), {"title": "x"})
    assert refused.status_code == 403
    window = window_from_now()
    data = {
        "title": "Patch mail-01",
        "planned_start": local(window["planned_start"]),
        "planned_end": local(window["planned_end"]),
    }
    response = client.post(reverse("changes:template_raise", args=[open_to_agents.pk]), data)
    change = Change.objects.get()
    assert response.status_code == 302
    assert (change.type, change.template, change.requester, change.implementation_plan) == (
        "standard",
        open_to_agents,
        agent,
        open_to_agents.implementation_plan,
    )


# ---- the change page ----------------------------------------------------------------------------------------
def test_change_page_shows_risk_conflicts_cab_votes_and_caused_incidents(client, sign_in):
    viewer = sign_in("change_manager")
    voter = UserFactory(roles=["cab_member"], first_name="Vera", last_name="Voter")
    cab = make_cab(members=[voter, UserFactory(roles=["cab_member"]), UserFactory(roles=["cab_member"])])
    ci = CIFactory(name="db-07")
    window = {"planned_start": JUNE, "planned_end": JUNE + timedelta(hours=3)}
    change = make_change(status="authorization", cab=cab, configuration_items=[ci], **window)
    other = make_change(status="scheduled", configuration_items=[ci], **window)
    freeze = make_window(kind="blackout", name="Freeze", start=JUNE - timedelta(days=1), end=JUNE + timedelta(days=1))
    approval_cast(actor=voter, change=change, decision="approve", comment="Sound plan")
    incident = incident_create(actor=viewer, title="Slow DB", caused_by_change=change)
    response = client.get(reverse("changes:change", args=[change.pk]))
    content = response.content.decode()
    kinds = {conflict["kind"] for conflict in response.context["conflicts"]}
    assert kinds == {"ci_overlap", "blackout"}
    assert (
        reverse("changes:change", args=[other.pk]) in content and reverse("changes:window", args=[freeze.pk]) in content
    )
    assert response.context["risk_overridden"] is False and change.risk_reasons[0] in content
    assert f'data-voter="{voter.username}" data-decision="approve"' in content and "Sound plan" in content
    assert response.context["approvals_needed"] == 2  # majority of 3
    assert response.context["incident_count"] == 1 and reverse("incidents:incident", args=[incident.pk]) in content
    assert "Override risk" in content
    names = {transition.name for transition in response.context["transitions"]}
    assert {"reject", "cancel"} <= names and "schedule" not in names  # not authorised yet


def test_risk_override_dialog_requires_a_justification_and_records_it(client, sign_in):
    sign_in("change_manager")
    change = make_change()
    url = reverse("changes:change_risk", args=[change.pk])
    assert 'name="risk_override_reason"' in client.get(url, **hx("risk-dialog-content")).content.decode()
    missing = client.post(url, {"risk": "very_high", "risk_override_reason": ""}, **hx("risk-dialog-content"))
    assert missing.status_code == 422 and "risk_override_reason" in missing.context["form"].errors
    saved = client.post(
        url, {"risk": "very_high", "risk_override_reason": "Year-end trading"}, **hx("risk-dialog-content")
    )
    assert saved.status_code == 200 and saved["HX-Retarget"] == "#change-main" and saved["HX-Trigger"] == "risk-saved"
    change.refresh_from_db()
    assert (change.risk, change.risk_override_reason) == ("very_high", "Year-end trading")
    assert JournalEntry.objects.filter(body__contains="Year-end trading").exists()
    back = client.post(url, {"risk": "computed", "risk_override_reason": ""}, **hx("risk-dialog-content"))
    assert back.status_code == 200
    change.refresh_from_db()
    assert (change.risk, change.risk_override_reason) == (change.risk_computed, "")


def test_transition_dialog_submits_and_refuses_from_a_wrong_state(client, sign_in):
    agent = sign_in("agent")
    change = make_change(actor=agent)
    url = reverse("changes:change_transition", args=[change.pk, "submit"])
    dialog = client.get(url, **hx("transition-panel")).content.decode()
    assert "Confirm: Submit" in dialog and "blackout_override_reason" not in dialog  # a normal change: no schedule
    response = client.post(url, {"version": change.version}, **hx("transition-panel"))
    assert response.status_code == 200 and response["HX-Retarget"] == "#change-main"
    change.refresh_from_db()
    assert change.status == "assessment"
    again = client.post(url, {"version": change.version}, **hx("transition-panel"))
    assert again.status_code == 409 and "is not possible from status" in again.content.decode()


def test_scheduling_into_a_blackout_asks_the_change_manager_for_the_override(client, sign_in):
    sign_in("change_manager")
    window = {"planned_start": JUNE, "planned_end": JUNE + timedelta(hours=2)}
    change = make_change(status="authorization", cab=make_cab(), authorized_at=timezone.now(), **window)
    make_window(kind="blackout", name="Freeze", start=JUNE - timedelta(hours=1), end=JUNE + timedelta(hours=5))
    url = reverse("changes:change_transition", args=[change.pk, "schedule"])
    dialog = client.get(url, **hx("transition-panel")).content.decode()
    assert 'id="blackout-warning"' in dialog and "Freeze" in dialog and 'name="blackout_override_reason"' in dialog
    missing = client.post(url, {"version": change.version}, **hx("transition-panel"))
    assert missing.status_code == 422 and "blackout_override_reason" in missing.context["form"].errors
    data = {"version": change.version, "blackout_override_reason": "Fixes a live security hole"}
    assert client.post(url, data, **hx("transition-panel")).status_code == 200
    change.refresh_from_db()
    assert (change.status, change.blackout_override_reason) == ("scheduled", "Fixes a live security hole")


def test_only_change_managers_get_the_blackout_override_input(client, sign_in):
    sign_in("agent")
    window = {"planned_start": JUNE, "planned_end": JUNE + timedelta(hours=2)}
    change = make_standard_change_in_blackout(window)
    url = reverse("changes:change_transition", args=[change.pk, "submit"])
    dialog = client.get(url, **hx("transition-panel")).content.decode()
    assert 'id="blackout-warning"' in dialog and 'name="blackout_override_reason"' not in dialog
    refused = client.post(url, {"version": change.version}, **hx("transition-panel"))
    assert refused.status_code == 409 and "only a change manager" in refused.content.decode()
    change.refresh_from_db()
    assert change.status == "draft"


def make_standard_change_in_blackout(window):
    from tests.changes.factories import make_standard_change

    make_window(kind="blackout", start=window["planned_start"], end=window["planned_end"])
    return make_standard_change(template=make_template(allowed_roles=["agent"]), **window)


def test_closing_a_failed_change_requires_review_notes(client, sign_in):
    sign_in("agent")
    change = make_change(status="review", outcome="failed")
    url = reverse("changes:change_transition", args=[change.pk, "close"])
    assert 'id="review-required"' in client.get(url, **hx("transition-panel")).content.decode()
    missing = client.post(url, {"version": change.version}, **hx("transition-panel"))
    assert missing.status_code == 422
    data = {"version": change.version, "review_notes": "Back-out plan missed the cache."}
    assert client.post(url, data, **hx("transition-panel")).status_code == 200
    change.refresh_from_db()
    assert (change.status, change.review_notes) == ("closed", "Back-out plan missed the cache.")


def test_comment_is_added_with_htmx_and_markup_is_inert(client, sign_in):
    agent = sign_in("agent")
    payload = "<script>alert('x')</script>"
    change = make_change(actor=agent, title=f"T {payload}", description=f"D {payload}")
    url = reverse("changes:change_comment", args=[change.pk])
    response = client.post(
        url, {"body": f"Checked the **logs** {payload}", "visibility": "internal"}, **hx("conversation")
    )
    assert response.status_code == 200 and "<strong>logs</strong>" in response.content.decode()
    assert JournalEntry.objects.get().visibility == "internal"
    page = client.get(reverse("changes:change", args=[change.pk])).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    empty = client.post(url, {"body": "", "visibility": "internal"}, **hx("conversation"))
    assert empty.status_code == 422 and JournalEntry.objects.count() == 1


# ---- incidents and the menu ---------------------------------------------------------------------------------
def test_incident_page_links_the_change_that_caused_it_and_agents_set_it(client, sign_in):
    agent = sign_in("agent")
    change = make_change(title="Relay upgrade")
    incident = incident_create(actor=agent, title="Mail bounces")
    data = {"kind": "incident", "channel": "phone", "impact": "low", "urgency": "low", "title": incident.title}
    url = reverse("incidents:incident_edit", args=[incident.pk])
    unknown = client.post(url, {**data, "version": incident.version, "caused_by_change_number": "CHG9999999"})
    assert unknown.status_code == 422 and "caused_by_change_number" in unknown.context["form"].errors
    response = client.post(url, {**data, "version": incident.version, "caused_by_change_number": change.number.lower()})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.caused_by_change == change
    page = client.get(reverse("incidents:incident", args=[incident.pk])).content.decode()
    assert f'href="{reverse("changes:change", args=[change.pk])}"' in page and change.number in page
    change_page = client.get(reverse("changes:change", args=[change.pk]))
    assert change_page.context["incident_count"] == 1
    assert Incident.objects.filter(caused_by_change=change).count() == 1


def test_menu_has_the_change_entries_and_lights_the_right_one(make_user):
    member = make_user(roles=["cab_member"])
    active = {str(item.label): on for item, on in navigation_for(member, "/changes/calendar/")}
    assert active["Change calendar"] is True and active["Changes"] is False and active["My CAB approvals"] is False
    on_change = {str(item.label): on for item, on in navigation_for(member, "/changes/42/")}
    assert on_change["Changes"] is True and on_change["Change calendar"] is False
    agent_menu = {str(item.label) for item, _on in navigation_for(make_user(roles=["agent"]), "/")}
    assert {"Changes", "Change calendar"} <= agent_menu and "My CAB approvals" not in agent_menu
