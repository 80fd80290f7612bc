"""Reading submitted files into typed tables: find the files of a period, read each one (every
format, bounded and guarded), locate the header, account for every row, then type the cells."""
