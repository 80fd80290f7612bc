"""Publishing a checked period: the split into published and quarantined rows, the CSVs, report.json,
the data package and the manifest, written aside and made live in one step."""
