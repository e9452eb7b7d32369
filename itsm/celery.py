"""The Celery app (`celery -A itsm worker`), whose base task carries the audit context into workers."""

import os

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")

ACTOR_HEADER = "itsm_actor_id"


class ItsmTask(Task):
    """Every task runs with audit source `task` and the user who queued it as actor."""

    def apply_async(self, args=None, kwargs=None, task_id=None, producer=None, link=None, link_error=None, **options):
        from itsm.audit_context import current

        actor = current().actor_user()
        if actor is not None:
            options["headers"] = {**(options.get("headers") or {}), ACTOR_HEADER: actor.pk}
        return super().apply_async(args, kwargs, task_id, producer, link, link_error, **options)

    def __call__(self, *args, **kwargs):
        from itsm.audit_context import audit_context

        actor_id = getattr(self.request, ACTOR_HEADER, None) or (self.request.headers or {}).get(ACTOR_HEADER)
        actor = None
        if actor_id is not None:
            from django.contrib.auth import get_user_model

            actor = get_user_model()._base_manager.filter(pk=actor_id).first()
        with audit_context(source="task", actor=actor, request=None):
            return super().__call__(*args, **kwargs)


app = Celery("itsm", task_cls=ItsmTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
