"""Sign-in and sign-out pages (django-axes locks an account after repeated failures)."""

from django.contrib.auth import views as auth_views


class ItsmLoginView(auth_views.LoginView):
    """Sign-in form; Django rotates the session key on login."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True


class ItsmLogoutView(auth_views.LogoutView):
    """Sign-out (POST only)."""
