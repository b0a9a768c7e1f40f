"""Which image backbones a search may pick, and how each sees its pixels.

No weights are ever downloaded: without a local weights file only the
from-scratch nets are searched; a weights file brings in the one backbone
its name says, and every backbone gets its own input preprocessing once.
"""

import keras
import keras_tuner
import numpy as np
import pytest
from conftest import make_inputs

from search_space import FeatureSpec
from search_space import ImageBlock
from search_space import ImageClassifier
from search_space import ImageInput
from search_space import LabelSpec
from search_space import RegressionHead
from search_space import ResidualBlock
from search_space import default_hypermodel
from search_space.automodel import AutoModel
from search_space.blocks.applications import backbone_of_weights

IMAGE = FeatureSpec("pixels", "image", shape=(8, 8, 1))
LABEL = LabelSpec("digit", "classification", num_classes=3)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("efficientnetb0_notop.h5", ("efficientnet", "b0")),
        ("EfficientNetB3_notop.h5", ("efficientnet", "b3")),
        (
            "resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
            ("resnet", "resnet50_v2"),
        ),
        (
            "resnet101_weights_tf_dim_ordering_tf_kernels_notop.h5",
            ("resnet", "resnet101"),
        ),
        (
            "xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
            ("xception", "xception"),
        ),
    ],
)
def test_weights_file_names_say_their_backbone(name, expected):
    assert backbone_of_weights(f"/models/{name}") == expected


def test_an_unrecognisable_weights_file_is_refused():
    with pytest.raises(ValueError, match="Cannot tell which backbone"):
        backbone_of_weights("/models/my_weights.h5")


def test_only_small_nets_are_searched_without_weights(tmp_path):
    assert ImageBlock().searched_backbones() == ["conv", "residual"]
    weights = tmp_path / "efficientnetb0_notop.h5"
    weights.write_bytes(b"")
    block = ImageBlock(weights=str(weights))
    assert block.searched_backbones() == ["conv", "residual", "efficientnet"]
    assert ImageBlock(large_backbones=True).searched_backbones() == list(
        ImageBlock.BACKBONES
    )


def test_weights_reach_the_image_block_and_add_a_preset(tmp_path):
    weights = tmp_path / "resnet50v2_weights_notop.h5"
    weights.write_bytes(b"")
    feature = FeatureSpec("pixels", "image", (32, 32, 3), weights=str(weights))
    hypermodel = default_hypermodel([feature], [LABEL])
    [block] = [b for b in hypermodel.graph.blocks if isinstance(b, ImageBlock)]
    assert block.weights == str(weights)
    presets = hypermodel.predefined_configurations()
    assert presets[-1]["image_block_1/block_type"] == "resnet"
    assert [p["image_block_1/block_type"] for p in presets[:3]] == [
        "conv",
        "conv",
        "residual",
    ]
    with pytest.raises(ValueError, match="Only image features"):
        FeatureSpec("age", "numerical", weights=str(weights))


def _layer_names(block_type, version_hp=None):
    inputs = ImageInput("pixels", (8, 8, 1))
    output = ImageBlock(block_type=block_type, augment=False)(inputs)
    output = RegressionHead(LabelSpec("y", "regression"))(output)
    hp = keras_tuner.HyperParameters()
    hp.values.update(version_hp or {})
    model = AutoModel(inputs, output).build(hp)
    return model, [layer.name for layer in model.layers]


@pytest.mark.slow
def test_efficientnet_gets_raw_pixels_and_rescales_once_itself():
    model, names = _layer_names("efficientnet")
    # No rescaling of ours before the backbone: Keras's EfficientNet
    # divides by 255 inside its own model.
    assert not [n for n in names if "rescale" in n or "unit_range" in n]
    [backbone] = [
        layer for layer in model.layers if layer.name.endswith(".b0")
    ]
    inner = [type(layer).__name__ for layer in backbone.layers[:4]]
    assert "Rescaling" in inner
    x = make_inputs([IMAGE], rows=2)
    assert np.isfinite(model.predict(x, verbose=0)).all()


def test_small_nets_see_unit_pixels_and_resnet_v2_minus_one_to_one():
    _, names = _layer_names("conv")
    assert "image_block_1.rescale" in names
    _, names = _layer_names(
        "resnet", {"image_block_1/resnet_block/version": "resnet50_v2"}
    )
    assert "image_block_1.rescale" not in names  # [0, 255] stays as is
    assert "image_block_1.resnet_block.to_unit_range" in names


def test_residual_net_learns_a_bright_or_dark_image():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 100, size=(128, 8, 8, 1)).astype("float32")
    y = rng.integers(0, 2, size=128)
    x[y == 1] += 150  # class 1 is brighter
    hypermodel = ImageClassifier(
        [IMAGE],
        LabelSpec("digit", "classification", num_classes=2),
        presets=[{}],
    )
    hp = keras_tuner.HyperParameters()
    hp.values.update(
        {
            "image_block_1/block_type": "residual",
            "image_block_1/augment": False,
            "image_block_1/residual_block/num_stages": 2,
            "training/learning_rate": 1e-2,
        }
    )
    keras.utils.set_random_seed(0)
    model = hypermodel.build(hp)
    assert any(
        ".residual_block.add_1_0" in layer.name for layer in model.layers
    )
    model.fit({"pixels": x}, y, epochs=10, batch_size=16, verbose=0)
    accuracy = model.evaluate({"pixels": x}, y, verbose=0)[1]
    assert accuracy > 0.9
    assert isinstance(
        ResidualBlock.from_config(ResidualBlock(num_stages=1).get_config()),
        ResidualBlock,
    )
