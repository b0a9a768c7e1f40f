"""Task presets: an input modality, a head and predefined configurations."""

from search_space import presets
from search_space.automodel import AutoModel
from search_space.features import FeatureSpec
from search_space.heads import ClassificationHead
from search_space.heads import RegressionHead
from search_space.nodes import Input


class _Task(AutoModel):
    """An `AutoModel` over `features` predicting one label.

    Args:
        features: List of `FeatureSpec` of the allowed kinds.
        label: `LabelSpec` of the allowed task.
        presets: Replaces the task's predefined configurations if given.
        **kwargs: Passed to `AutoModel` (optimizer, batch_size, name...).
    """

    KINDS = ()
    TASK = ""
    PRESETS = [{}]
    HEAD = None

    def __init__(self, features, label, presets=None, **kwargs):
        features = [_as_feature(f) for f in features]
        for feature in features:
            if feature.kind not in self.KINDS:
                raise ValueError(
                    f"{type(self).__name__} takes {self.KINDS} features. "
                    f"Received: {feature.kind!r} feature {feature.name!r}"
                )
        if label.task != self.TASK:
            raise ValueError(
                f"{type(self).__name__} needs a {self.TASK} label. "
                f"Received: task={label.task!r}"
            )
        super().__init__(
            inputs=[Input(f) for f in features],
            outputs=[self.HEAD(label)],
            presets=self.PRESETS if presets is None else presets,
            **kwargs,
        )


def _as_feature(feature):
    return (
        feature if isinstance(feature, FeatureSpec) else FeatureSpec(**feature)
    )


class StructuredDataClassifier(_Task):
    __doc__ = _Task.__doc__
    KINDS = ("numerical", "categorical")
    TASK = "classification"
    PRESETS = presets.STRUCTURED_DATA
    HEAD = ClassificationHead


class StructuredDataRegressor(_Task):
    __doc__ = _Task.__doc__
    KINDS = ("numerical", "categorical")
    TASK = "regression"
    PRESETS = presets.STRUCTURED_DATA
    HEAD = RegressionHead


class ImageClassifier(_Task):
    __doc__ = _Task.__doc__
    KINDS = ("image",)
    TASK = "classification"
    PRESETS = presets.IMAGE
    HEAD = ClassificationHead


class ImageRegressor(_Task):
    __doc__ = _Task.__doc__
    KINDS = ("image",)
    TASK = "regression"
    PRESETS = presets.IMAGE
    HEAD = RegressionHead


class TextClassifier(_Task):
    __doc__ = _Task.__doc__
    KINDS = ("text",)
    TASK = "classification"
    PRESETS = presets.TEXT
    HEAD = ClassificationHead


class TextRegressor(_Task):
    __doc__ = _Task.__doc__
    KINDS = ("text",)
    TASK = "regression"
    PRESETS = presets.TEXT
    HEAD = RegressionHead
