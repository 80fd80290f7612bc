"""Prefect flows: thin wiring of the heza core functions into tasks, with retries where they help."""
