"""TFX's Transform with an executor that hands `preprocessing_fn` the
column table (`executor`), and the generic `preprocessing_fn` itself.
"""
