"""Column names the pipeline cannot carry, refused before any stage runs.

A raw column name is a tf.Example feature key all the way to the
Evaluator. The names below collide with a name TFX, TFMA or our serving
SavedModel uses for something else; each is refused up front with the
column and what to do (rename it), instead of failing minutes later in a
library's words.

What collides, and what does not (each covered by
tests/pipelines/preflight/test_reserved_names.py):
- `examples`: the one input of both signatures of the serving model
  (`model_export.EXAMPLES`, the serialized tf.Example strings). TFMA feeds a
  signature the parsed feature of the same name, when the raw features hold
  one, instead of the serialized examples (`model_util.get_inputs`), so the
  Evaluator calls `transform_features` with a column's values and fails
  ("Fail to call signature func"). Refused.
- everything else works: TFMA passes serialized examples whenever no raw
  feature has the signature's input name, so `label`, `labels`,
  `features`, `predictions`, `inputs` and the served outputs
  (`probabilities`, `class_ids`, `classes`) are plain columns; the label is
  looked up by its safe key among the transformed features, which
  `feature_kinds.column_keys` keeps unique; vocabulary files carry a prefix
  (`vocab__`, `classes__label__`) no model input has; Keras layer names of
  the search space hold a "." that no safe key holds.
"""

from pipelines.preflight.input_files import InputError

# The serving signatures' input name (components/trainer/model_export.py's
# `EXAMPLES`; a test checks they agree), with why it cannot be a column.
SIGNATURE_INPUT = "examples"
RESERVED = {
    SIGNATURE_INPUT: (
        "the serving model's input of serialized examples: the Evaluator "
        "would feed this column to the model instead of the examples"
    ),
}


def check_column_names(source, names):
    """Raises InputError for the first of `names` that is reserved.

    Args:
        source: where the names come from, as the message names it
            (e.g. "CSV file 'data/a.csv'", "TFRecord file 'x.tfrecord'").
        names: the column (feature) names, as ExampleGen keys them.
    """
    for name in names:
        if name in RESERVED:
            raise InputError(
                f"{source} has a column named {name!r}, a name the pipeline "
                f"reserves ({RESERVED[name]}); rename the column (e.g. "
                f"{name + '_value'!r})."
            )
