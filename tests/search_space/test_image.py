"""Image blocks on tiny images; the big backbones only build (slow)."""

import keras_tuner
import numpy as np
import pytest
from conftest import full_space_names
from conftest import make_inputs
from conftest import make_labels

from search_space import AutoModel
from search_space import EfficientNetBlock
from search_space import FeatureSpec
from search_space import ImageBlock
from search_space import ImageClassifier
from search_space import ImageInput
from search_space import LabelSpec
from search_space import RegressionHead
from search_space import ResNetBlock
from search_space import SearchTuner
from search_space import XceptionBlock
from search_space import default_hypermodel
from search_space import presets

IMAGE = FeatureSpec("pixels", "image", shape=(8, 8, 1))
LABEL = LabelSpec("digit", "classification", num_classes=2)
FAST_CONV = [
    {
        "image_block_1/block_type": "conv",
        "image_block_1/conv_block/num_blocks": 1,
        "image_block_1/conv_block/num_layers": 1,
        "image_block_1/conv_block/filters_0": 16,
    }
]


def test_conv_image_search_with_augmentation(tmp_path):
    inputs = ImageInput("pixels", (8, 8, 1))
    output = ImageBlock(block_type="conv", augment=True)(inputs)
    output = RegressionHead(LabelSpec("brightness", "regression"))(output)
    hypermodel = AutoModel(
        inputs, output, presets=[{"image_block_1/conv_block/num_blocks": 1}]
    )
    x = make_inputs([IMAGE], rows=16)
    y = make_labels(LabelSpec("brightness", "regression"), rows=16)
    tuner = SearchTuner(
        hypermodel, max_trials=2, directory=str(tmp_path), overwrite=True
    )
    tuner.search(x, y, validation_data=(x, y), epochs=1, verbose=0)
    assert tuner.get_best_hyperparameters()[0].values
    names = [p.name for p in tuner.oracle.hyperparameters.space]
    assert "image_block_1/image_augmentation/horizontal_flip" in names
    assert "image_block_1/block_type" not in names
    assert "image_block_1/augment" not in names


def test_image_classifier_space_and_presets():
    hypermodel = ImageClassifier([IMAGE], LABEL, presets=FAST_CONV)
    hp = keras_tuner.HyperParameters()
    hp.values.update(FAST_CONV[0])
    model = hypermodel.build(hp)
    names = [layer.name for layer in model.layers]
    assert "image_block_1.conv_block.conv_0_0" in names
    assert "image_block_1.spatial_reduction.global_avg" in names
    x = make_inputs([IMAGE], rows=4)
    assert model.predict(x, verbose=0).shape == (4, 1)
    assert (
        len(ImageClassifier([IMAGE], LABEL).predefined_configurations()) == 3
    )


def test_default_hypermodel_picks_the_image_task():
    assert isinstance(default_hypermodel([IMAGE], [LABEL]), ImageClassifier)


def test_downloads_are_refused():
    inputs = ImageInput("pixels", (32, 32, 3))
    block = ResNetBlock(version="resnet50", weights="imagenet")
    output = RegressionHead(LabelSpec("y", "regression"))(block(inputs))
    with pytest.raises(ValueError, match="no downloads"):
        AutoModel(inputs, output).build(keras_tuner.HyperParameters())


def test_efficientnet_covers_b0_to_b7():
    assert list(EfficientNetBlock.VERSIONS) == [f"b{i}" for i in range(8)]


@pytest.mark.slow
@pytest.mark.parametrize(
    "block",
    [
        ResNetBlock(version="resnet50_v2"),
        XceptionBlock(),
        EfficientNetBlock(version="b0"),
    ],
    ids=["resnet", "xception", "efficientnet"],
)
def test_backbones_build_on_tiny_images(block):
    inputs = ImageInput("pixels", (8, 8, 1))
    output = RegressionHead(LabelSpec("y", "regression"))(block(inputs))
    model = AutoModel(inputs, output).build(keras_tuner.HyperParameters())
    x = make_inputs([IMAGE], rows=2)
    assert np.isfinite(model.predict(x, verbose=0)).all()


@pytest.mark.slow
def test_image_preset_names_exist(tmp_path):
    names = full_space_names(ImageClassifier([IMAGE], LABEL), tmp_path)
    for preset in presets.IMAGE:
        assert set(preset) <= names, set(preset) - names


def test_mixed_modalities_merge_and_combine_presets():
    features = [IMAGE, FeatureSpec("age", "numerical")]
    hypermodel = default_hypermodel(features, [LABEL])
    names = [block.name for block in hypermodel.graph.blocks]
    assert names[-3:] == ["merge_1", "dense_block_1", "classification_head_1"]
    configs = hypermodel.predefined_configurations()
    # Index-wise, beside an image from the default MLP on (the linear
    # preset's step and batch are no setting for a conv net): the default
    # MLP with the plain conv net, the wide MLP with the augmented one, the
    # deep one with the residual net.
    assert configs[0]["image_block_1/augment"] is False
    assert "dense_block_1/num_layers" not in configs[0]
    assert configs[0]["training/learning_rate"] == 1e-3
    assert configs[1]["image_block_1/block_type"] == "conv"
    assert configs[1]["image_block_1/augment"] is True
    assert configs[1]["dense_block_1/units_0"] == 256
    assert configs[2]["image_block_1/block_type"] == "residual"
    assert configs[2]["dense_block_1/num_layers"] == 3
    # The image preset's step wins over the deep MLP's 1e-2.
    assert configs[2]["training/learning_rate"] == 1e-3


def test_conv_filters_of_unused_stacks_are_inactive():
    inputs = ImageInput("pixels", (8, 8, 1))
    output = ImageBlock(block_type="conv", augment=False)(inputs)
    output = RegressionHead(LabelSpec("brightness", "regression"))(output)
    hypermodel = AutoModel(inputs, output)
    hp = keras_tuner.HyperParameters()
    hp.values["image_block_1/conv_block/num_blocks"] = 1
    hypermodel.build(hp)
    scope = "image_block_1/conv_block/"
    by_name = {p.name: p for p in hp.space}
    # Every stack's filters are in the space, only stack 0's are active.
    assert {f"{scope}filters_{b}" for b in range(3)} <= set(by_name)
    assert hp.is_active(by_name[f"{scope}filters_0"])
    assert not hp.is_active(by_name[f"{scope}filters_1"])
    assert not hp.is_active(by_name[f"{scope}filters_2"])
    hp.values[f"{scope}num_blocks"] = 3
    assert hp.is_active(by_name[f"{scope}filters_2"])
