"""Prefect flows: thin wiring of the heza core into tasks (one per file, one per stage), the monthly
schedule and the local server; the same flow runs in threads or on a Dask cluster."""
