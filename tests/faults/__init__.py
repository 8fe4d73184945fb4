"""The fault suite: faults created for real, and what survived them (see conftest.py)."""
