"""Authentication backend: Django's model backend, with permissions read from `User.access` (one query)."""

from django.contrib.auth.backends import ModelBackend


class ItsmModelBackend(ModelBackend):
    """Same rules as ModelBackend; a user's own and group permissions come from one query, shared with roles."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = set(user_obj.access.permissions)
        return user_obj._perm_cache
