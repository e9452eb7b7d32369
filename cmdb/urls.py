"""CMDB browser UI routes: CIs, relationships, classes, impact, baselines, imports and the CSV export."""

from django.urls import path

from cmdb.views import baselines, cis, classes, export, impact, imports, relationships

app_name = "cmdb"

urlpatterns = [
    path("cis/", cis.ci_list, name="ci_list"),
    path("cis/add/", cis.ci_edit, name="ci_add"),
    path("cis/export/", export.ci_export, name="ci_export"),
    path("cis/<int:pk>/", cis.ci_detail, name="ci"),
    path("cis/<int:pk>/edit/", cis.ci_edit, name="ci_edit"),
    path("cis/<int:pk>/delete/", cis.ci_delete_confirm, name="ci_delete"),
    path("cis/<int:pk>/impact/", impact.ci_impact_view, name="ci_impact"),
    path("cis/<int:pk>/relationships/add/", relationships.relationship_add, name="relationship_add"),
    path("relationships/<int:pk>/delete/", relationships.relationship_remove, name="relationship_delete"),
    path("classes/", classes.ciclass_list, name="ciclass_list"),
    path("classes/add/", classes.ciclass_edit, name="ciclass_add"),
    path("classes/<int:pk>/", classes.ciclass_detail, name="ciclass"),
    path("classes/<int:pk>/edit/", classes.ciclass_edit, name="ciclass_edit"),
    path("baselines/", baselines.baseline_list, name="baseline_list"),
    path("baselines/add/", baselines.baseline_add, name="baseline_add"),
    path("baselines/<int:pk>/", baselines.baseline_detail, name="baseline"),
    path("import/", imports.import_upload, name="import"),
    path("import/jobs/<int:pk>/", imports.import_job, name="import_job"),
]
