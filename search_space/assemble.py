"""The default search space the TFX component uses."""

from search_space import presets
from search_space import tasks
from search_space.automodel import AutoModel
from search_space.blocks.applications import backbone_of_weights
from search_space.heads import head_for
from search_space.nodes import Input

# (feature kinds, label task) -> task preset for single-label problems.
_TASKS = {
    ("structured", "classification"): tasks.StructuredDataClassifier,
    ("structured", "regression"): tasks.StructuredDataRegressor,
    ("image", "classification"): tasks.ImageClassifier,
    ("image", "regression"): tasks.ImageRegressor,
    ("text", "classification"): tasks.TextClassifier,
    ("text", "regression"): tasks.TextRegressor,
}


def default_hypermodel(features, labels):
    """The default searchable model for these features and labels.

    One label over one modality gets that task's preset (for instance
    `StructuredDataClassifier`, with its predefined configurations). Other
    combinations get the IO API wiring: one block per modality, merged,
    then one head per label.

    Args:
        features: List of `FeatureSpec`.
        labels: List of `LabelSpec`.

    Returns:
        An `AutoModel`.
    """
    features, labels = list(features), list(labels)
    if not features or not labels:
        raise ValueError(
            "default_hypermodel needs at least one feature and one label. "
            f"Received: {len(features)} features, {len(labels)} labels"
        )
    modality = _modality(features)
    task = _TASKS.get((modality, labels[0].task))
    if len(labels) == 1 and task is not None:
        return task(
            features,
            labels[0],
            presets=presets.IMAGE + _pretrained_presets(features)
            if modality == "image"
            else None,
        )
    return AutoModel(
        inputs=[Input(f) for f in features],
        outputs=[head_for(label) for label in labels],
        presets=_mixed_presets(features) + _pretrained_presets(features),
    )


def _pretrained_presets(features):
    """After the from-scratch presets: the backbone of the first image
    input's local weights (none without weights)."""
    for number, feature in enumerate(
        [f for f in features if f.kind == "image"], start=1
    ):
        if feature.weights:
            kind, _ = backbone_of_weights(feature.weights)
            return [
                {**preset, f"image_block_{number}/block_type": kind}
                for preset in presets.IMAGE_PRETRAINED
            ]
    return []


def _mixed_presets(features):
    """Index-wise union of the presets of each modality present.

    Each modality's presets name its own blocks; the shared
    `dense_block_1`/`training` keys come from the structured ones (their
    linear first preset suits text + table too), except that an image
    preset's learning rate wins. Beside an image the structured presets
    start after the linear one: its step (1e-2) and batch (16) are no
    setting for a conv net.
    """
    kinds = {f.kind for f in features}
    structured = (
        presets.STRUCTURED_DATA[1:]
        if "image" in kinds
        else presets.STRUCTURED_DATA
    )
    groups = [
        group
        for group_kinds, group in (
            ({"text"}, presets.TEXT),
            ({"numerical", "categorical"}, structured),
            # Last: an image preset's step wins (conv nets need theirs).
            ({"image"}, presets.IMAGE),
        )
        if kinds & group_kinds
    ]
    count = min(len(group) for group in groups)
    merged = []
    for index in range(count):
        config = {}
        for group in groups:
            config.update(group[index])
        merged.append(config)
    return merged


def _modality(features):
    kinds = {f.kind for f in features}
    if kinds <= {"numerical", "categorical"}:
        return "structured"
    if len(features) == 1:
        return features[0].kind
    return "mixed"
