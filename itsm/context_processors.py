"""Template context shared by every page: the navigation for the user's roles."""

from itsm.navigation import navigation_for


def navigation(request):
    """The menu entries this user may see."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": navigation_for(user, request.path)}
