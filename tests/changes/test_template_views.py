"""The standard change templates' editor: list, create, edit (stale edits refused), deactivate; permissions as the
API has them (change managers write; anonymous → sign-in, no permission → 403, out of scope → 404); bad input
gives field errors and writes nothing; every write is audited."""

import pytest
from django.urls import reverse

from changes.models import ChangeTemplate
from changes.services import change_template_save
from itsm.models import AuditEvent
from itsm.models.base import RestrictedQuerySet
from tests.changes.factories import make_template
from tests.cmdb.factories import CIFactory
from tests.itsm.factories import TeamFactory

pytestmark = pytest.mark.django_db

MANAGE = reverse("changes:template_manage")
ADD = reverse("changes:template_add")


def edit_url(template) -> str:
    return reverse("changes:template_edit", args=[template.pk])


def form_data(template=None, **values) -> dict:
    """What the editor posts: the template's values (or a new one's), the version it was loaded with, `values`."""
    data = {
        "name": "Renew a TLS certificate",
        "title": "Renew the certificate of",
        "risk": "low",
        "impact": "low",
        "implementation_plan": "certbot renew",
        "backout_plan": "Put the old certificate back",
        "test_plan": "The site answers over HTTPS",
        "active": "on",
    }
    if template is not None:
        data = {
            name: getattr(template, name)
            for name in ("name", "description", "title", "risk", "impact", "implementation_plan", "backout_plan")
        }
        data.update(
            test_plan=template.test_plan,
            assignment_group=template.assignment_group_id or "",
            configuration_items=[ci.pk for ci in template.configuration_items.all()],
            allowed_roles=template.allowed_roles,
            updated_at=template.updated_at.isoformat(),
        )
        if template.active:
            data["active"] = "on"
    return {**data, **values}


def audited(template, action: str) -> bool:
    return AuditEvent.objects.filter(
        object_type="changes.changetemplate", object_id=str(template.pk), action=action
    ).exists()


# ---- create, read, update, deactivate -----------------------------------------------------------------------
def test_change_manager_creates_a_template(client, sign_in):
    manager = sign_in("change_manager")
    team, ci = TeamFactory(name="Web"), CIFactory(name="web-01")
    response = client.post(
        ADD, form_data(assignment_group=team.pk, configuration_items=[ci.pk], allowed_roles=["manager", "agent"])
    )
    template = ChangeTemplate.objects.get()
    assert response.status_code == 302 and response.url == reverse("changes:template", args=[template.pk])
    assert (template.name, template.assignment_group, template.active) == ("Renew a TLS certificate", team, True)
    assert list(template.configuration_items.all()) == [ci]
    assert template.allowed_roles == ["agent", "manager"]  # the service's order: the roles' own
    event = AuditEvent.objects.get(object_type="changes.changetemplate", object_id=str(template.pk), action="create")
    assert event.actor == manager
    page = client.get(response.url).content.decode()
    assert "Renew a TLS certificate" in page and "certbot renew" in page and "web-01" in page


def test_list_shows_every_template_inactive_ones_too_and_filters(client, sign_in):
    sign_in("change_manager")
    make_template(name="Patch Linux", allowed_roles=["agent"])
    make_template(name="Old firewall rule", active=False)
    response = client.get(MANAGE)
    assert [t.name for t in response.context["rows"]] == ["Old firewall rule", "Patch Linux"]
    content = response.content.decode()
    assert "Inactive" in content and "Service desk agent" in content and "Change managers only" in content
    active_only = client.get(MANAGE, {"active": "true"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-results")
    assert [t.name for t in active_only.context["rows"]] == ["Patch Linux"]
    assert "<html" not in active_only.content.decode()


def test_change_manager_edits_a_template(client, sign_in):
    sign_in("change_manager")
    template = make_template(name="Patch Linux", configuration_items=[CIFactory()])
    assert client.get(edit_url(template)).status_code == 200
    response = client.post(edit_url(template), form_data(template, risk="medium", allowed_roles=["agent"]))
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.risk, template.allowed_roles) == ("medium", ["agent"])
    event = AuditEvent.objects.filter(object_type="changes.changetemplate", object_id=str(template.pk)).latest("id")
    assert event.action == "update" and "risk" in event.changes


def test_deactivating_takes_a_template_out_of_the_catalog(client, sign_in):
    sign_in("change_manager")
    template = make_template(name="Patch Linux")
    assert [t.name for t in client.get(reverse("changes:template_list")).context["templates"]] == ["Patch Linux"]
    assert client.get(reverse("changes:template_deactivate", args=[template.pk])).status_code == 405
    response = client.post(reverse("changes:template_deactivate", args=[template.pk]))
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.active is False and audited(template, "update")
    assert client.get(reverse("changes:template_list")).context["templates"] == []
    assert client.get(reverse("changes:template_raise", args=[template.pk])).status_code == 200  # managers may
    page = client.get(reverse("changes:template", args=[template.pk])).content.decode()
    assert "data-inactive" in page and "Deactivate" not in page
    reactivated = client.post(edit_url(template), form_data(template, active="on"))
    assert reactivated.status_code == 302
    template.refresh_from_db()
    assert template.active is True


def test_the_change_menu_links_the_editor_for_change_managers_only(client, sign_in):
    sign_in("change_manager")
    assert MANAGE in client.get(reverse("changes:change_list")).content.decode()
    sign_in("agent")
    assert MANAGE not in client.get(reverse("changes:change_list")).content.decode()


# ---- permissions --------------------------------------------------------------------------------------------
def template_urls(template) -> list[tuple[str, str]]:
    return [
        ("get", MANAGE),
        ("get", ADD),
        ("get", reverse("changes:template", args=[template.pk])),
        ("get", edit_url(template)),
        ("post", edit_url(template)),
        ("post", reverse("changes:template_deactivate", args=[template.pk])),
    ]


def test_anonymous_is_sent_to_sign_in(client):
    template = make_template()
    for method, url in template_urls(template):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url


@pytest.mark.parametrize(
    "role, allowed",
    [
        ("requester", set()),  # no permission on templates at all
        ("agent", {MANAGE, "detail"}),  # reads them (the catalog), writes none
        ("auditor", {MANAGE, "detail"}),
        ("change_manager", {MANAGE, "detail", ADD, "edit", "deactivate"}),
    ],
)
def test_what_each_role_may_do_and_403_otherwise(client, sign_in, role, allowed):
    sign_in(role)
    template = make_template(name="Patch Linux")
    names = {
        MANAGE: ("get", MANAGE, {}),
        "detail": ("get", reverse("changes:template", args=[template.pk]), {}),
        ADD: ("post", ADD, form_data(name="New one")),
        "edit": ("post", edit_url(template), form_data(template, title="Changed")),
        "deactivate": ("post", reverse("changes:template_deactivate", args=[template.pk]), {}),
    }
    for name, (method, url, data) in names.items():
        response = getattr(client, method)(url, data)
        assert response.status_code == (302 if method == "post" else 200) if name in allowed else 403, (name, role)
    template.refresh_from_db()
    changed = role == "change_manager"
    assert (template.title == "Changed", template.active is False) == (changed, changed)
    assert ChangeTemplate.objects.filter(name="New one").exists() == changed


def test_out_of_scope_is_404_and_not_listed(client, sign_in, monkeypatch):
    """A template outside the user's scope (no model scopes templates today: one is made up here) is never shown
    nor written: the pages go through `restrict`."""
    sign_in("change_manager")
    visible, hidden = make_template(name="Visible"), make_template(name="Hidden")
    unscoped = RestrictedQuerySet.scope

    def scope(self, user, action):
        queryset = unscoped(self, user, action)
        return queryset.exclude(pk=hidden.pk) if self.model is ChangeTemplate else queryset

    monkeypatch.setattr(RestrictedQuerySet, "scope", scope)
    assert [t.name for t in client.get(MANAGE).context["rows"]] == ["Visible"]
    assert client.get(reverse("changes:template", args=[visible.pk])).status_code == 200
    for method, url in template_urls(hidden)[2:]:
        assert getattr(client, method)(url, form_data(hidden, title="Changed")).status_code == 404, url
    assert client.get(reverse("changes:template", args=[10**6])).status_code == 404
    hidden.refresh_from_db()
    assert (hidden.title, hidden.active) == ("Patch a Linux server", True)


# ---- stale edits and bad input ------------------------------------------------------------------------------
def test_a_stale_edit_is_refused_and_keeps_what_was_typed(client, sign_in):
    sign_in("change_manager")
    template = make_template(name="Patch Linux")
    loaded = client.get(edit_url(template)).context["form"]["updated_at"].value()
    change_template_save(actor=None, template=template, risk="high")  # someone else saves meanwhile
    response = client.post(edit_url(template), form_data(template, updated_at=loaded, title="My new title"))
    assert response.status_code == 409
    content = response.content.decode()
    assert "changed by someone else" in content and "My new title" in content
    template.refresh_from_db()
    assert (template.risk, template.title) == ("high", "Patch a Linux server")
    missing = client.post(edit_url(template), form_data(template, updated_at="", title="My new title"))
    assert missing.status_code == 422 and "Reload the page" in missing.content.decode()
    template.refresh_from_db()
    assert template.title == "Patch a Linux server"


@pytest.mark.parametrize(
    "values, field",
    [
        ({"name": ""}, "name"),
        ({"title": ""}, "title"),
        ({"name": "Taken"}, "name"),  # unique: the service says so on the field
        ({"risk": "extreme"}, "risk"),
        ({"impact": "some"}, "impact"),
        ({"allowed_roles": ["wizard"]}, "allowed_roles"),
        ({"assignment_group": "999999"}, "assignment_group"),
        ({"configuration_items": ["999999"]}, "configuration_items"),
        ({"name": "x" * 151}, "name"),
    ],
)
def test_bad_input_gives_field_errors_and_writes_nothing(client, sign_in, values, field):
    sign_in("change_manager")
    make_template(name="Taken")
    created = client.post(ADD, form_data(**values))
    assert created.status_code == 422 and list(created.context["form"].errors) == [field]
    template = make_template(name="Patch Linux")
    before = AuditEvent.objects.count()
    edited = client.post(edit_url(template), form_data(template, **values))
    assert edited.status_code == 422 and field in edited.context["form"].errors
    assert ChangeTemplate.objects.count() == 2 and AuditEvent.objects.count() == before
    assert ChangeTemplate.objects.get(pk=template.pk).name == "Patch Linux"
