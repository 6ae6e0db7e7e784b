"""The core's Celery tasks, found here by ``autodiscover_tasks``.

:func:`~trainingweek.jobs.run_job` runs any Job by its kind (the apps
register the work of their kinds in their own ``tasks.py``);
:func:`~trainingweek.jobs.give_up_stale_jobs` is the hourly clean-up of jobs
nobody will finish.
"""

from trainingweek.jobs import give_up_stale_jobs, run_job

__all__ = ["give_up_stale_jobs", "run_job"]
