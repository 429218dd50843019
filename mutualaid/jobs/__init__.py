"""Periodic jobs: a registry, a runner that keeps a ledger, and the scheduler process."""
from mutualaid.jobs.registry import JOBS, Job

__all__ = ["JOBS", "Job"]
