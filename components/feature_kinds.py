"""What each column is, decided once and shared by Transform, tuner and trainer.

The Transform `preprocessing_fn` decides how a raw column is encoded; the tuner
and the trainer read the Transform output back and hand the search engine a
description of every model input (`search_space.features.FeatureSpec`). Both
sides agree through this module: the kind names, the vocabulary file names,
and the configuration that travels in `custom_config`.
"""

import dataclasses

NUMERICAL = "numerical"
CATEGORICAL = "categorical"
TEXT = "text"
IMAGE = "image"

CLASSIFICATION = "classification"
REGRESSION = "regression"
TASKS = (CLASSIFICATION, REGRESSION)

# Vocabulary files written by Transform. The prefixes keep a feature that
# happens to be called "classes" from colliding with the label's vocabulary.
LABEL_VOCABULARY = "classes__label"


def vocabulary_name(feature_name):
    return "vocab__" + feature_name


@dataclasses.dataclass(frozen=True)
class TransformConfig:
    """How to treat the raw columns; travels as a dict in `custom_config`.

    Args:
        label: the label column.
        task: "classification" or "regression".
        categorical_features: integer columns to encode as categories (strings
            are categorical unless listed in `text_features`).
        text_features: string columns holding free text.
        exclude_features: columns the model must not see (ids, leaks).
    """

    label: str
    task: str = CLASSIFICATION
    categorical_features: tuple = ()
    text_features: tuple = ()
    exclude_features: tuple = ()

    def __post_init__(self):
        if not self.label:
            raise ValueError("A label column is required; received none.")
        if self.task not in TASKS:
            raise ValueError(
                f"task must be one of {TASKS}; received {self.task!r}."
            )
        for field in ("categorical_features", "text_features",
                      "exclude_features"):
            object.__setattr__(self, field, tuple(getattr(self, field) or ()))

    @classmethod
    def from_dict(cls, config):
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in (config or {}).items() if k in known})

    def to_dict(self):
        return {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in dataclasses.asdict(self).items()
        }

    def kind_of(self, name, is_string):
        """The kind of a raw input column (the label excluded)."""
        if name in self.text_features:
            return TEXT
        if is_string or name in self.categorical_features:
            return CATEGORICAL
        return NUMERICAL
