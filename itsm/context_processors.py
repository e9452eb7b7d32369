"""Template context shared by every page: the navigation for the user's roles."""

from itsm.navigation import navigation_for


def navigation(request):
    """The menu entries this user may see."""
    user = getattr(request, "user", None)
    return {"nav_items": navigation_for(user) if user is not None and user.is_authenticated else []}
