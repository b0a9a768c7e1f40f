"""Functional API: user graphs, custom blocks, errors and JSON configs."""

import json

import keras
import pytest
from conftest import full_space_names
from conftest import make_inputs
from conftest import make_labels

from search_space import AutoModel
from search_space import Block
from search_space import ClassificationHead
from search_space import DenseBlock
from search_space import FeatureSpec
from search_space import Graph
from search_space import GraphError
from search_space import Input
from search_space import LabelSpec
from search_space import Merge
from search_space import NumericalInput
from search_space import SearchTuner
from search_space import StructuredDataBlock
from search_space import StructuredDataClassifier
from search_space import presets


class Residual(Block):
    """A user block: a searched-width Dense layer plus a skip connection."""

    def build(self, hp, inputs):
        width = inputs[0].shape[-1]
        hidden = keras.layers.Dense(
            hp.Choice("hidden", [4, 8]), name=self.layer_name("hidden")
        )(inputs[0])
        hidden = keras.layers.Dense(width, name=self.layer_name("back"))(
            hidden
        )
        return keras.layers.Add(name=self.layer_name("add"))(
            [inputs[0], hidden]
        )


def test_custom_block_in_a_user_graph(tmp_path):
    left = NumericalInput("left", (3,))
    right = NumericalInput("right", (3,))
    merged = Merge(merge_type="add")([left, right])
    hidden = Residual()(merged)
    hidden = DenseBlock(num_layers=1)(hidden)
    label = LabelSpec("y", "classification", num_classes=4)
    output = ClassificationHead(label)(hidden)
    hypermodel = AutoModel([left, right], output)
    features = [left.feature, right.feature]
    x, y = make_inputs(features), make_labels(label)
    tuner = SearchTuner(
        hypermodel, max_trials=2, directory=str(tmp_path), overwrite=True
    )
    tuner.search(x, y, validation_data=(x, y), epochs=1, verbose=0)
    names = [p.name for p in tuner.oracle.hyperparameters.space]
    assert "residual_1/hidden" in names
    assert "merge_1/merge_type" not in names


def test_graph_config_round_trip_is_json():
    inputs = [
        NumericalInput("a"),
        Input(FeatureSpec("b", "categorical", vocab_size=3)),
    ]
    label = LabelSpec("y", "regression")
    from search_space import RegressionHead

    output = RegressionHead(label)(
        DenseBlock(units=8)(StructuredDataBlock()(inputs))
    )
    graph = Graph(inputs, [output])
    config = json.loads(json.dumps(graph.get_config()))
    copy = Graph.from_config(config)
    assert json.dumps(copy.get_config()) == json.dumps(graph.get_config())
    assert [b.name for b in copy.blocks] == [
        "structured_data_block_1",
        "dense_block_1",
        "regression_head_1",
    ]


def test_missing_input_and_duplicate_names_are_rejected():
    used, declared = NumericalInput("a"), NumericalInput("b")
    label = LabelSpec("y", "regression")
    from search_space import RegressionHead

    output = RegressionHead(label)(DenseBlock()(used))
    with pytest.raises(GraphError, match="missing"):
        Graph([declared], [output])
    hidden = DenseBlock(name="same")(used)
    output = RegressionHead(label, name="same")(hidden)
    with pytest.raises(GraphError, match="unique"):
        Graph([used], [output])


def test_outputs_must_come_from_heads():
    node = NumericalInput("a")
    with pytest.raises(GraphError, match="head"):
        Graph([node], [DenseBlock()(node)])


def test_preset_names_exist_in_their_task_space(tmp_path):
    features = [
        FeatureSpec("n", "numerical"),
        FeatureSpec("c", "categorical", vocab_size=4),
    ]
    label = LabelSpec("y", "classification", num_classes=2)
    names = full_space_names(
        StructuredDataClassifier(features, label), tmp_path
    )
    for preset in presets.STRUCTURED_DATA:
        assert set(preset) <= names, set(preset) - names
