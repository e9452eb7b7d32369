"""API permission: the model permission for the HTTP method's action; object scope via restrict()."""

from rest_framework.permissions import BasePermission

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


def model_perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


class ModelActionPermission(BasePermission):
    """401 when anonymous; 403 without the model permission; objects out of scope are 404 (restricted queryset).

    A view may name the action of an extra route in `action_permissions` ({"transition": "view"}), when the
    real check happens in the service (a requester may reopen their own incident without `change`).
    """

    def _action(self, request, view) -> str:
        custom = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        return custom or METHOD_ACTIONS.get(request.method, "change")

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        queryset = getattr(view, "queryset", None)
        if queryset is None:
            return True
        return user.has_perm(model_perm(queryset.model, self._action(request, view)))

    def has_object_permission(self, request, view, obj):
        action = self._action(request, view)
        if action == "view":
            return True  # the object was found in the view-restricted queryset
        return type(obj).objects.filter(pk=obj.pk).restrict(request.user, action).exists()
