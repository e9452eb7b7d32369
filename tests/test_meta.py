"""Every model has its surface: an API viewset with a serializer and a filterset, and tests that name it.

A model may be exempt only with a reason written here.
"""

from pathlib import Path

from django.apps import apps
from django.conf import settings

from itsm.api.urls import router

PROJECT_APPS = ["itsm", *settings.ITSM_PROCESS_APPS]
EXEMPT = {
    "itsm.NumberSequence": "internal counter, written only by itsm.services.numbering.number_next",
    "itsm.OutboxMessage": "internal delivery queue; its state is visible (read-only) in the admin",
    "itsm.Notification": "written by the outbox; its in-app list belongs to the agent workspace (issue 4)",
    "cmdb.CIBaselineItem": "the rows of a baseline; read through /ci-baselines/{id}/diff/, tested there",
    "itsm.TicketStatusChange": "internal status history that SLA clocks are computed from; tested with them",
    "itsm.TicketAssignmentChange": "internal team history that OLA/UC stint clocks are computed from; tested with them",
    "itsm.JournalEntry": "served by each ticket's /comments/ endpoint (TicketViewSetMixin)",
    "slm.SLADailyFigure": "derived counts behind the SLA report (slm.figures); served as /reports/sla-compliance/",
    "slm.SLAFigureChange": "internal queue of days to re-aggregate, written and drained by slm.figures",
    "slm.SLAFigureZone": "internal: the zones the daily figures are kept for, set by `manage.py sla_figures_rebuild`",
}
TESTS_DIR = Path(__file__).resolve().parent


def viewsets_by_model(registry) -> dict:
    return {viewset.queryset.model: viewset for _prefix, viewset, _basename in registry if viewset.queryset is not None}


def missing_surface(model, served: dict) -> list[str]:
    """What `model` lacks: viewset, serializer, filterset, tests."""
    problems = []
    viewset = served.get(model)
    if viewset is None:
        problems.append("no viewset registered in itsm.api.urls")
    else:
        serializer = getattr(viewset, "serializer_class", None)
        if serializer is None or getattr(serializer.Meta, "model", None) is not model:
            problems.append("viewset has no serializer for this model")
        filterset = getattr(viewset, "filterset_class", None)
        if filterset is None or filterset._meta.model is not model:
            problems.append("viewset has no filterset for this model")
    test_dir = TESTS_DIR / model._meta.app_label
    if not any(model.__name__ in path.read_text() for path in test_dir.glob("test_*.py")):
        problems.append(f"no test in tests/{model._meta.app_label}/ names {model.__name__}")
    return problems


def test_every_model_has_viewset_serializer_filterset_and_tests():
    served = viewsets_by_model(router.registry)
    report = {}
    for label in PROJECT_APPS:
        for model in apps.get_app_config(label).get_models():
            name = f"{label}.{model.__name__}"
            if name in EXEMPT:
                continue
            if problems := missing_surface(model, served):
                report[name] = problems
    assert report == {}, report


def test_exemptions_name_real_models():
    for name in EXEMPT:
        app_label, model_name = name.split(".")
        assert apps.get_model(app_label, model_name)


def test_the_check_catches_a_model_without_its_surface():
    from tests.sample.models import SampleTicket

    problems = missing_surface(SampleTicket, viewsets_by_model(router.registry))
    assert "no viewset registered in itsm.api.urls" in problems
