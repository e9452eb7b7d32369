"""Sign-in and sign-out pages (django-axes locks an account after repeated failures)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.utils.translation import gettext as _

from itsm.forms import SignInForm


class ItsmLoginView(auth_views.LoginView):
    """Sign-in form; Django rotates the session key on login."""

    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Signed in as %(name)s.") % {"name": form.get_user()})
        return response


class ItsmLogoutView(auth_views.LogoutView):
    """Sign-out (POST only)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # Stored in the message cookie: the session that could have held it has just been flushed.
        messages.info(request, _("You have been signed out."))
        return response
