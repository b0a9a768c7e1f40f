"""Text blocks: TF backend end to end, clear error elsewhere."""

import keras
import keras_tuner
import pytest
from conftest import architecture
from conftest import full_space_names
from conftest import make_inputs
from conftest import make_labels
from conftest import rebuild
from conftest import requires_tensorflow

from search_space import BackendNotSupportedError
from search_space import FeatureSpec
from search_space import LabelSpec
from search_space import SearchTuner
from search_space import TextClassifier
from search_space import default_hypermodel
from search_space import presets

TEXT = FeatureSpec("review", "text")
LABEL = LabelSpec("sentiment", "classification", num_classes=2)
SMALL = {
    "text_block_1/ngram/max_tokens": 5000,
    "text_block_1/sequence/max_tokens": 5000,
    "text_block_1/sequence/sequence_length": 64,
    "text_block_1/embedding/embedding_dim": 32,
    "dense_block_1/num_layers": 1,
}
PRESETS = [
    {"text_block_1/block_type": kind, **SMALL}
    for kind in ("ngram", "rnn", "transformer")
]


@requires_tensorflow()
def test_text_presets_train_and_round_trip(tmp_path):
    def factory():
        return TextClassifier([TEXT], LABEL, presets=PRESETS)

    import tensorflow as tf

    # Keras only feeds strings through tf.data (as TFX does).
    x, y = make_inputs([TEXT], rows=16), make_labels(LABEL, rows=16)
    x["review"] = x["review"].astype(str)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    tuner = SearchTuner(
        factory(), max_trials=3, directory=str(tmp_path), overwrite=True
    )
    tuner.search(data, validation_data=data, epochs=1, verbose=0)
    kinds = [
        t.hyperparameters.values["text_block_1/block_type"]
        for t in tuner.oracle.trials.values()
    ]
    assert sorted(kinds) == ["ngram", "rnn", "transformer"]
    best_hp = tuner.get_best_hyperparameters()[0]
    best = tuner.oracle.get_best_trials()[0].hyperparameters
    assert architecture(rebuild(factory, best_hp)) == architecture(
        factory().build(best.copy())
    )


@requires_tensorflow()
def test_rnn_layers_have_readable_names():
    hp = keras_tuner.HyperParameters()
    hp.values.update(PRESETS[1])
    model = TextClassifier([TEXT], LABEL).build(hp)
    names = [layer.name for layer in model.layers]
    assert "text_block_1.sequence.vectorize" in names
    assert "text_block_1.rnn.lstm_0" in names


def test_default_presets_are_documented_choices():
    presets = TextClassifier([TEXT], LABEL).predefined_configurations()
    assert [p["text_block_1/block_type"] for p in presets] == [
        "ngram",
        "rnn",
        "transformer",
    ]


@pytest.mark.skipif(
    keras.backend.backend() == "tensorflow", reason="checks other backends"
)
def test_other_backends_get_a_clear_error():
    hypermodel = default_hypermodel([TEXT], [LABEL])
    with pytest.raises(BackendNotSupportedError, match="tensorflow"):
        hypermodel.build(keras_tuner.HyperParameters())


@requires_tensorflow()
def test_text_preset_names_exist(tmp_path):
    names = full_space_names(TextClassifier([TEXT], LABEL), tmp_path)
    for preset in presets.TEXT:
        assert set(preset) <= names, set(preset) - names
