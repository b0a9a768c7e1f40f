"""Descriptions of model inputs and labels, shared with the TFX component."""

import dataclasses

FEATURE_KINDS = ("numerical", "categorical", "text", "image")
TASKS = ("classification", "regression")


@dataclasses.dataclass(frozen=True)
class FeatureSpec:
    """One model input.

    Args:
        name: Feature name; also the name of the `keras.Input`.
        kind: One of "numerical", "categorical", "text" or "image".
        shape: Per-example shape. Images use (height, width, channels).
        vocab_size: Categorical only: number of distinct integer ids,
            including the out-of-vocabulary id.
        weights: Image only, optional: a local file of pretrained weights
            for the image block's large backbone (the file's name says
            which; see `blocks.applications.backbone_of_weights`).
    """

    name: str
    kind: str
    shape: tuple = (1,)
    vocab_size: int | None = None
    weights: str | None = None

    def __post_init__(self):
        if self.kind not in FEATURE_KINDS:
            raise ValueError(
                f"FeatureSpec.kind must be one of {FEATURE_KINDS}. "
                f"Received: kind={self.kind!r} for feature {self.name!r}"
            )
        # Frozen dataclass: normalise lists from JSON into tuples.
        object.__setattr__(self, "shape", tuple(self.shape))
        if self.kind == "categorical" and not self.vocab_size:
            raise ValueError(
                f"Categorical feature {self.name!r} needs a vocab_size. "
                f"Received: vocab_size={self.vocab_size!r}"
            )
        if self.weights and self.kind != "image":
            raise ValueError(
                f"Only image features take pretrained weights. Received: "
                f"weights={self.weights!r} for {self.kind} feature "
                f"{self.name!r}"
            )
        if self.kind == "image" and len(self.shape) != 3:
            raise ValueError(
                f"Image feature {self.name!r} needs shape (H, W, C). "
                f"Received: shape={self.shape!r}"
            )


@dataclasses.dataclass(frozen=True)
class LabelSpec:
    """One model output.

    Args:
        name: Label name; also the name of the model output.
        task: "classification" or "regression".
        num_classes: Classification only; 2 means binary.
        mean, std: Regression only, optional: the training targets' mean
            and standard deviation. The head then predicts in standard
            units and rescales, so a target in the hundreds trains like a
            z-scored one and still answers in its own units.
    """

    name: str
    task: str
    num_classes: int | None = None
    mean: float | None = None
    std: float | None = None

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(
                f"LabelSpec.task must be one of {TASKS}. "
                f"Received: task={self.task!r} for label {self.name!r}"
            )
        if self.task == "classification" and (self.num_classes or 0) < 2:
            raise ValueError(
                f"Classification label {self.name!r} needs num_classes >= 2. "
                f"Received: num_classes={self.num_classes!r}"
            )
