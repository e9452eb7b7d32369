"""API of users, teams and the audit trail, and the token endpoint."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from itsm.api.fields import RelatedObjectField, SlugListField
from itsm.api.serializers import ItsmModelSerializer
from itsm.api.viewsets import ItsmModelViewSet, ItsmReadOnlyViewSet
from itsm.filtersets import AuditEventFilterSet, TeamFilterSet, UserFilterSet
from itsm.models import AuditEvent, Team, User
from itsm.roles import ROLE_LABELS
from itsm.services.users import team_save, user_create, user_update


class UserSerializer(ItsmModelSerializer):
    """A user with roles (slugs), teams (ids in, objects out), manager and time zone."""

    password = serializers.CharField(
        write_only=True, required=False, allow_blank=False, style={"input_type": "password"}
    )
    roles = SlugListField(choices=list(ROLE_LABELS), required=False, source="role_slugs")
    teams = RelatedObjectField(many=True, queryset=Team.objects.all(), required=False)

    class Meta:
        model = User
        fields = [
            "id",
            "url",
            "display",
            "username",
            "email",
            "first_name",
            "last_name",
            "password",
            "roles",
            "teams",
            "manager",
            "is_active",
            "timezone",
            "last_login",
            "date_joined",
        ]
        read_only_fields = ["last_login", "date_joined"]


class TeamSerializer(ItsmModelSerializer):
    """An assignment group."""

    class Meta:
        model = Team
        fields = [
            "id",
            "url",
            "display",
            "name",
            "description",
            "email",
            "manager",
            "members",
            "escalation_team",
            "vendor",
            "created_at",
            "updated_at",
        ]


class AuditEventSerializer(serializers.ModelSerializer):
    """One audit event, read-only."""

    actor = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "source",
            "action",
            "transition",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
        ]

    def get_actor(self, obj) -> dict | None:
        if obj.actor_id is None:
            return None
        return {"id": obj.actor_id, "display": obj.actor_repr, "url": None}


class UserViewSet(ItsmModelViewSet):
    """Users: admins write, staff read; requesters get 403."""

    queryset = User.objects.all()
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    ordering_fields = ["id", "username", "last_name", "date_joined"]
    ordering = ["username"]
    list_select_related = ["manager"]
    list_prefetch_related = ["groups", "teams"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        roles, teams = data.pop("role_slugs", []), data.pop("teams", [])
        serializer.instance = user_create(actor=self.request.user, roles=roles, teams=teams, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        roles, teams = data.pop("role_slugs", None), data.pop("teams", None)
        serializer.instance = user_update(
            actor=self.request.user, user=serializer.instance, roles=roles, teams=teams, **data
        )

    def perform_destroy(self, instance):
        if instance.pk == self.request.user.pk:
            from itsm.exceptions import ConflictError

            raise ConflictError(_("You cannot delete your own account."))
        instance.delete()


class TeamViewSet(ItsmModelViewSet):
    """Teams (assignment groups)."""

    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    filterset_class = TeamFilterSet
    ordering_fields = ["id", "name", "created_at"]
    ordering = ["name"]
    list_select_related = ["manager", "escalation_team"]
    list_prefetch_related = ["members"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = team_save(actor=self.request.user, members=data.pop("members", []), **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = team_save(
            actor=self.request.user, team=serializer.instance, members=data.pop("members", None), **data
        )


class AuditEventViewSet(ItsmReadOnlyViewSet):
    """The audit trail: read-only for everybody; filter by `object_type` and `object_id`."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    ordering_fields = ["id", "at"]
    ordering = ["-at", "-id"]


class TokenView(APIView):
    """POST {"username", "password"} -> {"token"}; lockout after repeated failures (django-axes)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        errors = {
            key: [_("This field is required.")]
            for key in ("username", "password")
            if not isinstance(data.get(key), str) or not data.get(key)
        }
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        user = authenticate(request._request, username=data["username"], password=data["password"])
        # A locked account fails here too; django-axes' middleware then answers 429 (itsm.lockout).
        if user is None or not user.is_active:
            return Response(
                {"non_field_errors": [_("Unable to sign in with these credentials.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
