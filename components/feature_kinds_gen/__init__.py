"""FeatureKindsGen: what each column is, decided once from the statistics.

spec, component and executor, TFX's way; `curation` builds the curated
Schema from `kind_inference` (the decision per column) and `image_shape`
(the size images are resized to).
"""
