"""TFX glue, one folder per component (see docs/architecture.md)."""
