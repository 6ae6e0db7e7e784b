"""The core's Celery tasks, found here by ``autodiscover_tasks``.

:func:`~trainingweek.jobs.run_job` runs any Job by its kind (the apps
register the work of their kinds in their own ``tasks.py``);
:func:`~trainingweek.jobs.clean_up_jobs` is the hourly clean-up: jobs
nobody will finish are given up, old result files deleted.
"""

from trainingweek.jobs import clean_up_jobs, run_job

__all__ = ["clean_up_jobs", "run_job"]
