"""What people read: the report page, the e-mail, annotated workbooks, charts, in Vietnamese first."""
