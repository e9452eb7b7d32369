"""API error shapes: {"field": [...]} for validation, {"detail", "code"} otherwise; never a 500 for bad input."""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from itsm.exceptions import ConflictError, ItsmError, StaleVersion, TransitionRefused


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the record."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record was changed since you loaded it."
    default_code = "precondition_failed"


def _django_validation_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError({k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()})
    return exceptions.ValidationError({"non_field_errors": exc.messages})


def exception_handler(exc, context):
    """Map domain and Django errors to the contract's status codes and bodies."""
    if isinstance(exc, DjangoValidationError):
        exc = _django_validation_to_drf(exc)
    elif isinstance(exc, StaleVersion):
        exc = PreconditionFailed(exc.message)
    elif isinstance(exc, TransitionRefused | ConflictError):
        exc = Conflict(exc.message, code=exc.code)
    elif isinstance(exc, ItsmError):
        exc = exceptions.ValidationError({"detail": exc.message})
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = Conflict("This record is still referenced by other records and cannot be deleted.", code="protected")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        exc = PayloadTooLarge(f"The request body is larger than {limit} MB; split it or use a background import.")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if (
        isinstance(response.data, dict)
        and "detail" in response.data
        and not isinstance(exc, exceptions.ValidationError)
    ):
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = {"detail": str(response.data["detail"]), "code": code if isinstance(code, str) else "error"}
    elif isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    return response
