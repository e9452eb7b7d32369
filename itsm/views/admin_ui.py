"""Shared pieces of the users, teams and audit trail pages: the permission check and the filtered list view."""

from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views import View

from itsm.forms import style_filter_form

RESULTS_ID = "list-results"


def require_permission(user, model, action: str) -> None:
    """403 unless `user` holds the model permission for `action` (view/add/change/delete)."""
    opts = model._meta
    if not user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
        raise PermissionDenied


@dataclass(frozen=True)
class Column:
    """A table column; `sort` names an entry of the view's `sort_orders` when the column is sortable."""

    label: str
    sort: str = ""


class ObjectListView(LoginRequiredMixin, View):
    """Filtered, sorted, paginated list of what the user may view; an htmx request gets the results only."""

    model = None
    filterset_class = None
    template_name = ""
    results_template_name = ""
    # The list's related objects, declared once here so the query count does not grow with the rows.
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    columns: tuple[Column, ...] = ()
    sort_orders: dict[str, tuple[str, ...]] = {}
    default_sort = ""
    paginate_by = 50
    # Clearer labels than the filterset's defaults, by filter name.
    filter_labels: dict[str, str] = {}

    def get_queryset(self):
        queryset = self.model.objects.restrict(self.request.user, "view")
        return queryset.select_related(*self.select_related).prefetch_related(*self.prefetch_related)

    def get(self, request):
        """The full page, or only the results when htmx asks for them (filter, sort and page changes)."""
        require_permission(request.user, self.model, "view")
        filterset = self.filterset_class(request.GET or None, queryset=self.get_queryset(), request=request)
        style_filter_form(filterset.form)
        for name, label in self.filter_labels.items():
            filterset.form.fields[name].label = label
        self.customize_filter_form(filterset.form)
        sort = request.GET.get("sort", "")
        if sort.removeprefix("-") not in self.sort_orders:
            sort = self.default_sort
        paginator = Paginator(filterset.qs.order_by(*self.ordering(sort)), self.paginate_by)
        page = paginator.get_page(request.GET.get("page"))
        context = {
            "filter_form": filterset.form,
            "page_obj": page,
            "page_range": paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "rows": self.rows(page),
            "columns": [self.column_context(column, sort) for column in self.columns],
            "sort": sort,
            "results_id": RESULTS_ID,
            "results_template": self.results_template_name,
            "filtered": any(value for key, value in request.GET.items() if key not in {"sort", "page"}),
        }
        htmx = getattr(request, "htmx", None)
        partial = htmx and htmx.target == RESULTS_ID and not htmx.history_restore_request
        return render(request, self.results_template_name if partial else self.template_name, context)

    def customize_filter_form(self, form) -> None:
        """Hook to adjust the filter bar of one list."""

    def rows(self, page) -> list:
        """The page's objects as the results template shows them."""
        return list(page.object_list)

    def ordering(self, sort: str) -> list[str]:
        """The `order_by()` arguments of a sort key such as "name" or "-name"."""
        descending = sort.startswith("-")
        fields = self.sort_orders[sort.removeprefix("-")]
        # The primary key breaks ties, so a row never appears on two pages.
        return [f"-{field}" if descending else field for field in fields] + ["-pk" if descending else "pk"]

    @staticmethod
    def column_context(column: Column, sort: str) -> dict:
        """What the header template needs: label, current direction (aria-sort) and the sort key of a click."""
        if not column.sort:
            return {"label": column.label}
        direction = "ascending" if sort == column.sort else "descending" if sort == f"-{column.sort}" else ""
        return {
            "label": column.label,
            "direction": direction,
            "next": f"-{column.sort}" if direction == "ascending" else column.sort,
        }
