"""HEZA monthly data pipeline: read zone and enterprise workbooks, check them, publish clean tables."""

__version__ = "0.1.0"
