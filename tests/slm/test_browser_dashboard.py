"""A manager opens the SLA dashboard in Chromium and sees the compliance figures of known clocks."""

import re

import pytest
from playwright.sync_api import expect

from tests.incidents.test_browser import sign_in
from tests.slm.test_reports import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def cells(page, table: str, key: str) -> list[str]:
    row = page.locator(f"#table-{table} tbody tr[data-key='{key}']")
    return [row.locator(f"[data-col='{col}']").inner_text() for col in ("total", "met", "breached", "compliance")]


def test_manager_sees_the_compliance_of_known_clocks(page, live_server, make_user):
    world = World().build()  # 7 clocks decided between 2 and 15 March 2026: 4 met, 3 breached
    make_user("maria", roles=["manager"])
    sign_in(page, live_server, "maria")
    page.get_by_role("link", name="SLA dashboard").click()
    expect(page.get_by_role("heading", name="SLA dashboard")).to_be_visible()
    page.evaluate("window.notReloaded = true")

    page.get_by_label("From", exact=True).fill("2026-03-02")
    page.get_by_label("To", exact=True).fill("2026-03-15")
    page.get_by_label("To", exact=True).dispatch_event("change")
    expect(page.locator("#dashboard-period")).to_contain_text("2026-03-02 – 2026-03-15")
    expect(page.get_by_label("Period", exact=True)).to_have_value("custom")
    expect(page.locator("[data-kpi=compliance]")).to_have_text("57.1 %")
    expect(page.locator("[data-kpi=measured]")).to_have_text("4 of 7 clocks met")
    expect(page.locator("[data-kpi=breaches]")).to_have_text("3")
    assert cells(page, "service", str(world.email.pk)) == ["4", "3", "1", "75.0 %"]
    assert cells(page, "service", str(world.vpn.pk)) == ["2", "1", "1", "50.0 %"]
    assert cells(page, "team", str(world.net.pk)) == ["3", "1", "2", "33.3 %"]
    assert cells(page, "priority", "1") == ["2", "2", "0", "100.0 %"]
    assert cells(page, "agreement", str(world.sla_email.pk)) == ["4", "3", "1", "75.0 %"]
    assert cells(page, "trend", "2026-W10") == ["4", "3", "1", "75.0 %"]
    # Every chart is drawn from the same figures.
    drawn = page.evaluate(
        "[...document.querySelectorAll('canvas[data-chart]')].map(c => Chart.getChart(c).data.datasets[0].data)"
    )
    assert drawn[0] == [75.0, 33.3] and [75.0, 50.0, 0.0] in drawn  # the weeks; by service
    breaches = page.locator("#table-breaches tbody tr")
    expect(breaches).to_have_count(3)
    expect(breaches.first.get_by_role("link")).to_have_text(world.c.number)

    page.get_by_label("Agreement kind").select_option("ola")
    expect(page.locator("[data-kpi=compliance]")).to_have_text("50.0 %")
    expect(page.locator("[data-kpi=measured]")).to_have_text("1 of 2 clocks met")
    assert page.evaluate("window.notReloaded") is True  # htmx swapped the figures, no page load
    assert re.search(r"kind=ola", page.url)

    page.get_by_role("link", name="Printable report").click()
    expect(page.locator("#report-period")).to_have_text("2026-03-02 – 2026-03-15")
    expect(page.locator("#report-filters")).to_have_text("Agreement kind: Operational level agreement")
    expect(page.locator("[data-kpi=compliance]")).to_have_text("50.0 %")
