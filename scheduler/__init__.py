"""Scheduled work: APScheduler with jobs persisted in Sitrep's own database.

Every process keeps a scheduler, paused; only the process holding the leader
lease runs jobs, so several processes behind a load balancer send each
reminder once. Any process may add jobs: they go straight to the job store.
"""
