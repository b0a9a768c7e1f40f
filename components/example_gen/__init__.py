"""ExampleGen executors: CSV read the way people write it, image folders.

Both run inside TFX's `FileBasedExampleGen`; `csv_format` (stdlib only) is
how a header becomes column names, shared with the CLI's pre-flight checks.
"""
