"""Durable background jobs: a table of jobs, claimed by workers, resumed after a crash."""
