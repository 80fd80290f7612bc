"""What people read about a run: report.html, its plain-text twin, the charts, the e-mail, and each
submitter's workbook back with the wrong cells marked. The last stage: it may import every earlier
one (ingest, assess, release); nothing outside present/, heza/cli.py and flows/ imports it."""
