"""Home page per role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    """The signed-in user's home page."""
    return render(request, "home.html", {})
