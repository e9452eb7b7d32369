"""Requester portal routes."""

from django.urls import path

from incidents.views import portal

app_name = "portal"

urlpatterns = [
    path("", portal.request_list, name="request_list"),
    path("new/", portal.request_add, name="request_add"),
    path("<int:pk>/", portal.request_detail, name="request"),
    path("<int:pk>/comment/", portal.request_comment, name="request_comment"),
    path("<int:pk>/transition/<slug:name>/", portal.request_transition, name="request_transition"),
]
