"""The core's one Celery task, found here by ``autodiscover_tasks``.

:func:`~trainingweek.jobs.run_job` runs any Job by its kind; the apps
register the work of their kinds in their own ``tasks.py``.
"""

from trainingweek.jobs import run_job

__all__ = ["run_job"]
