"""Pipeline assembly and runners (local, and the CLI)."""
