"""The CLI's pre-flight checks: raw input and run arguments, before any stage.

Stdlib only (TensorFlow and TFX load in seconds; a bad file should cost
the user less): `input_checks` reads the data directory the way the
pipeline's ExampleGen will, `input_files` names each file's kind from its
first bytes, `csv_profile` is one streaming pass over CSV, `run_checks` the
flags and the output directory.
"""
