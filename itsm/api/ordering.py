"""?ordering= that refuses unknown fields with a 400 instead of ignoring them silently."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter


class StrictOrdering(OrderingFilter):
    """Orders by the view's `ordering_fields`; an unknown field is a field-level error. Ties break on id."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            allowed = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
            unknown = [f for f in fields if f.lstrip("-") not in allowed]
            if unknown:
                raise ValidationError(
                    {
                        self.ordering_param: [
                            _("Unknown ordering field(s): %(f)s. Allowed: %(a)s.")
                            % {"f": ", ".join(unknown), "a": ", ".join(sorted(allowed))}
                        ]
                    }
                )
            if not any(f.lstrip("-") in ("id", "pk") for f in fields):
                fields.append("-id" if fields[-1].startswith("-") else "id")
            return fields
        return self.get_default_ordering(view)
