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
            features, labels[0],
            presets=presets.IMAGE + _pretrained_presets(features)
            if modality == "image" else None,
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

    Keys never clash: each modality's presets name its own blocks, and the
    shared `dense_block_1`/`training` keys come from the structured ones.
    """
    kinds = {f.kind for f in features}
    groups = [
        group
        for group_kinds, group in (
            ({"text"}, presets.TEXT),
            ({"image"}, presets.IMAGE),
            ({"numerical", "categorical"}, presets.STRUCTURED_DATA),
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
