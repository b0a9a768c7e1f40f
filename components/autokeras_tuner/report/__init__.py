"""The search report: an HTML page and a Markdown summary for KFP's UI."""
