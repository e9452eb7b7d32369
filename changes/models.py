"""Change Management models: changes (RFCs), standard change templates, CABs and their votes, change windows."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from changes.choices import (
    CABPolicyChoices,
    ChangeStatusChoices,
    ChangeTypeChoices,
    DecisionChoices,
    OutcomeChoices,
    RiskChoices,
    WindowKindChoices,
)
from changes.workflows import ChangeWorkflow
from cmdb.models import ConfigurationItem
from itsm.choices import ImpactChoices
from itsm.models import ItsmModel, Team, TicketModel
from slm.models import Service


class CAB(ItsmModel):
    """A change advisory board: members who vote, a chair, and the policy that decides (the ECAB if emergency)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("members"), related_name="cabs")
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chair"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chaired_cabs",
    )
    policy = models.CharField(
        _("policy"), max_length=10, choices=CABPolicyChoices.choices, default=CABPolicyChoices.MAJORITY
    )
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (%)"), null=True, blank=True, help_text=_("With the quorum policy: the share of members needed.")
    )
    emergency = models.BooleanField(_("emergency CAB"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("CAB")
        verbose_name_plural = _("CABs")
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_percent__isnull=True) | Q(quorum_percent__gte=1, quorum_percent__lte=100),
                name="changes_cab_quorum_range",
            ),
            # "The" emergency CAB: emergency changes without a CAB go to it, so there can be only one.
            models.UniqueConstraint(
                fields=["emergency"], condition=Q(emergency=True), name="changes_cab_one_emergency"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("changes:cab", kwargs={"pk": self.pk})


class ChangeTemplate(ItsmModel):
    """A pre-approved standard change: its fields are copied into each change raised from it."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    title = models.CharField(_("change title"), max_length=200)
    implementation_plan = models.TextField(_("implementation plan"), blank=True)
    backout_plan = models.TextField(_("back-out plan"), blank=True)
    test_plan = models.TextField(_("test plan"), blank=True)
    risk = models.CharField(_("risk"), max_length=10, choices=RiskChoices.choices, default=RiskChoices.LOW)
    impact = models.CharField(_("impact"), max_length=10, choices=ImpactChoices.choices, default=ImpactChoices.LOW)
    assignment_group = models.ForeignKey(
        Team, verbose_name=_("assignment group"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    configuration_items = models.ManyToManyField(
        ConfigurationItem, verbose_name=_("configuration items"), blank=True, related_name="+"
    )
    allowed_roles = models.JSONField(
        _("allowed roles"),
        default=list,
        blank=True,
        help_text=_("Role slugs that may raise it; empty: change managers."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("standard change template")
        verbose_name_plural = _("standard change templates")

    def __str__(self):
        return self.name


class Change(TicketModel):
    """A request for change (RFC): assessed for risk and conflicts, authorised by a CAB, implemented, reviewed.

    `requester` is the contract's `requested_by`. `risk` is what applies: the computed `risk_computed` unless
    a change manager overrode it (`risk_override_reason` says why); `risk_reasons` explain the computation.
    """

    NUMBER_PREFIX = "CHG"
    INITIAL_STATUS = ChangeStatusChoices.DRAFT
    workflow = ChangeWorkflow

    type = models.CharField(
        _("type"), max_length=10, choices=ChangeTypeChoices.choices, default=ChangeTypeChoices.NORMAL
    )
    template = models.ForeignKey(
        ChangeTemplate,
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="changes",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ChangeStatusChoices.choices, default=ChangeStatusChoices.DRAFT
    )
    risk = models.CharField(_("risk"), max_length=10, choices=RiskChoices.choices, default=RiskChoices.LOW)
    risk_computed = models.CharField(
        _("computed risk"), max_length=10, choices=RiskChoices.choices, default=RiskChoices.LOW, editable=False
    )
    risk_reasons = models.JSONField(_("risk reasons"), default=list, blank=True, editable=False)
    risk_override_reason = models.TextField(_("risk override justification"), blank=True)
    justification = models.TextField(_("justification"), blank=True)
    implementation_plan = models.TextField(_("implementation plan"), blank=True)
    backout_plan = models.TextField(_("back-out plan"), blank=True)
    test_plan = models.TextField(_("test plan"), blank=True)
    configuration_items = models.ManyToManyField(
        ConfigurationItem, verbose_name=_("configuration items"), blank=True, related_name="changes"
    )
    impacted_services = models.ManyToManyField(
        Service, verbose_name=_("impacted services"), blank=True, related_name="impacting_changes", editable=False
    )
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)
    actual_start = models.DateTimeField(_("actual start"), null=True, blank=True)
    actual_end = models.DateTimeField(_("actual end"), null=True, blank=True)
    cab = models.ForeignKey(
        CAB, verbose_name=_("CAB"), null=True, blank=True, on_delete=models.PROTECT, related_name="changes"
    )
    authorized_at = models.DateTimeField(_("authorised at"), null=True, blank=True, editable=False)
    blackout_override_reason = models.TextField(_("blackout override justification"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=25, choices=OutcomeChoices.choices, null=True, blank=True)
    review_notes = models.TextField(_("review notes"), blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True, editable=False)

    class Meta(TicketModel.Meta):
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_end__isnull=True)
                | Q(planned_end__gt=F("planned_start")),
                name="changes_change_planned_window",
            )
        ]
        indexes = [
            # The calendar and the conflict check: planned windows of changes still holding one.
            models.Index(fields=["planned_start", "planned_end"], name="chg_planned_idx"),
            models.Index(fields=["status", "-id"], name="chg_status_idx"),
            models.Index(fields=["cab", "status"], name="chg_cab_status_idx"),
            # The reminder beat and the forward schedule: scheduled changes by start.
            models.Index(fields=["status", "planned_start"], name="chg_status_start_idx"),
        ]

    def get_absolute_url(self):
        return reverse("changes:change", kwargs={"pk": self.pk})


class Approval(ItsmModel):
    """One CAB member's vote on a change in authorisation; a second vote replaces the first."""

    change = models.ForeignKey(Change, verbose_name=_("change"), on_delete=models.CASCADE, related_name="approvals")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("voter"), on_delete=models.PROTECT, related_name="change_approvals"
    )
    decision = models.CharField(_("decision"), max_length=10, choices=DecisionChoices.choices)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["change", "created_at", "id"]
        verbose_name = _("CAB vote")
        verbose_name_plural = _("CAB votes")
        constraints = [models.UniqueConstraint(fields=["change", "voter"], name="changes_approval_one_per_member")]

    def __str__(self):
        return f"{self.change.number}: {self.voter} {self.get_decision_display()}"


class ChangeWindow(ItsmModel):
    """A blackout (no changes) or maintenance window (changes allowed) over services and CIs; empty: everything."""

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=12, choices=WindowKindChoices.choices)
    description = models.TextField(_("description"), blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    services = models.ManyToManyField(Service, verbose_name=_("services"), blank=True, related_name="change_windows")
    configuration_items = models.ManyToManyField(
        ConfigurationItem, verbose_name=_("configuration items"), blank=True, related_name="change_windows"
    )

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("change window")
        verbose_name_plural = _("change windows")
        constraints = [models.CheckConstraint(condition=Q(end__gt=F("start")), name="changes_window_end_after_start")]
        indexes = [models.Index(fields=["kind", "start", "end"], name="chg_window_range_idx")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("changes:window", kwargs={"pk": self.pk})
