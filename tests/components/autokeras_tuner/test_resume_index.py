"""`components/autokeras_tuner/resume.py`: which saved search a new tuner execution
continues (fast; `tests/components/autokeras_tuner/test_resume_local.py` and
`tests/pipelines/test_kubeflow_pod_runs.py` are the end-to-end runs)."""

import json
import os

import tensorflow as tf
from tfx.types import standard_artifacts

from components.autokeras_tuner import resume
from components.autokeras_tuner import spec


def _artifact(cls, uri, artifact_id):
    artifact = cls()
    artifact.uri = uri
    artifact.id = artifact_id
    return artifact


def _write_records(path, records):
    with tf.io.TFRecordWriter(
        path, options=tf.io.TFRecordOptions(compression_type="GZIP")
    ) as writer:
        for record in records:
            writer.write(record)


def _inputs(root, examples_id=1, shards=((b"a", b"b", b"c"),)):
    """Examples whose train split holds `shards` (one file each)."""
    examples = os.path.join(root, "examples")
    os.makedirs(os.path.join(examples, "Split-train"), exist_ok=True)
    for number, records in enumerate(shards):
        _write_records(
            os.path.join(
                examples,
                "Split-train",
                f"data-{number:05d}-of-{len(shards):05d}.gz",
            ),
            records,
        )
    return {
        spec.EXAMPLES_KEY: [
            _artifact(standard_artifacts.Examples, examples, examples_id)
        ],
        spec.WARMUP_KEY: [],
    }


PROPERTIES = {spec.MAX_TRIALS_KEY: 3, spec.SEED_KEY: 0}


def test_the_fingerprint_follows_every_input_and_parameter(tmp_path):
    root = str(tmp_path)
    inputs = _inputs(root)
    base = resume.fingerprint(inputs, PROPERTIES)
    assert resume.fingerprint(inputs, dict(PROPERTIES)) == base
    # Another parameter: another search.
    assert resume.fingerprint(inputs, {**PROPERTIES, spec.SEED_KEY: 1}) != (
        base
    )
    # Another run's copy of the same rows (another URI and MLMD id, and
    # Beam sharded them otherwise) is the same search.
    copy = _inputs(
        str(tmp_path / "copy"), examples_id=2, shards=((b"c",), (b"a", b"b"))
    )
    assert resume.fingerprint(copy, PROPERTIES) == base
    # More rows are another search; so are other rows, which the curated
    # schema tells apart (FeatureKindsGen writes the raw rows' digest
    # into it).
    more = _inputs(str(tmp_path / "more"), shards=((b"a", b"b", b"c", b"d"),))
    assert resume.fingerprint(more, PROPERTIES) != base
    for digest in ("1", "2"):
        schema_dir = tmp_path / f"schema-{digest}"
        schema_dir.mkdir()
        (schema_dir / "schema.pbtxt").write_text(
            f'annotation {{ tag: "autokeras_tfx.data_digest={digest}" }}\n'
        )
        inputs[spec.SCHEMA_KEY] = [
            _artifact(standard_artifacts.Schema, str(schema_dir), 3)
        ]
        assert resume.fingerprint(inputs, PROPERTIES) not in (base, digest)
        base = resume.fingerprint(inputs, PROPERTIES)


def _killed_search(results_uri):
    trial = os.path.join(results_uri, "search", "trials", "trial_0")
    os.makedirs(trial)
    with open(os.path.join(trial, "trial.json"), "w") as f:
        json.dump({"trial_id": "0", "status": "COMPLETED"}, f)
    os.makedirs(os.path.join(results_uri, "logs", "0"))


def test_a_new_execution_continues_the_saved_state_only(tmp_path):
    parent = tmp_path / "tuner_results"
    killed, rerun, other = (str(parent / n) for n in ("7", "9", "11"))
    for uri in (killed, rerun, other):
        os.makedirs(uri)
    saved = resume.saved_state_dir(killed, "abc")
    assert saved == str(parent / ".resume" / "abc")
    assert resume.continue_interrupted(killed, saved, ("search", "logs")) is (
        None
    )
    _killed_search(killed)
    resume.save_progress(killed, saved, ("search", "logs"))

    # Another fingerprint (new data, other parameters) starts empty.
    assert (
        resume.continue_interrupted(
            other, resume.saved_state_dir(other, "def"), ("search",)
        )
        is None
    )
    assert not os.path.exists(os.path.join(other, "search"))

    # The same one gets the killed search's state.
    assert resume.continue_interrupted(rerun, saved, ("search", "logs")) == (
        saved
    )
    with open(
        os.path.join(rerun, "search", "trials", "trial_0", "trial.json")
    ) as f:
        assert json.load(f)["status"] == "COMPLETED"
    assert os.path.isdir(os.path.join(rerun, "logs", "0"))

    # A finished search leaves nothing to continue.
    resume.finished(saved)
    again = str(parent / "12")
    os.makedirs(again)
    assert resume.continue_interrupted(again, saved, ("search",)) is None
    assert not os.path.exists(os.path.join(again, "search"))


def test_the_saved_copy_follows_rewrites_and_lives_in_the_history(tmp_path):
    """JSON state is rewritten in place with the same size: always copied."""
    uri = str(tmp_path / "out")
    saved = resume.saved_state_dir(uri, "abc", str(tmp_path / "history"))
    assert saved == str(tmp_path / "history" / "searches" / "abc")
    _killed_search(uri)
    resume.save_progress(uri, saved, ("search",))
    trial = os.path.join("search", "trials", "trial_0", "trial.json")
    with open(os.path.join(uri, trial), "w") as f:
        json.dump({"trial_id": "0", "status": "FAILED!!!"}, f)
    resume.save_progress(uri, saved, ("search",))
    with open(os.path.join(saved, trial)) as f:
        assert json.load(f)["status"] == "FAILED!!!"


def test_the_same_uri_is_left_alone(tmp_path):
    """A KFP pod retry on a store it writes directly: the same execution
    and URI keep their own state."""
    uri = str(tmp_path / "tuner_results" / "3")
    os.makedirs(uri)
    saved = resume.saved_state_dir(uri, "abc")
    _killed_search(uri)
    resume.save_progress(uri, saved, ("search",))
    assert resume.continue_interrupted(uri, saved, ("search",)) is None
    assert os.path.isfile(
        os.path.join(uri, "search", "trials", "trial_0", "trial.json")
    )


def test_a_schema_is_the_same_whatever_the_order_of_its_features(tmp_path):
    """SchemaGen lists features in the statistics' order, which changes
    from run to run on the same data; so does the column table's."""

    def schema(name, order):
        folder = tmp_path / name
        folder.mkdir()
        features = "".join(
            f'feature {{ name: "{n}" type: FLOAT }}\n' for n in order
        )
        table = json.dumps([{"name": n, "kind": "numerical"} for n in order])
        (folder / "schema.pbtxt").write_text(
            features
            + "annotation { tag: "
            + json.dumps("autokeras_tfx.columns=" + table)
            + " }\n"
        )
        return {
            spec.SCHEMA_KEY: [
                _artifact(standard_artifacts.Schema, str(folder), 1)
            ]
        }

    ab = resume.fingerprint(schema("ab", "xy"), PROPERTIES)
    assert resume.fingerprint(schema("ba", "yx"), PROPERTIES) == ab
    assert resume.fingerprint(schema("other", "xz"), PROPERTIES) != ab


def test_the_labels_moments_do_not_split_one_search_in_two(tmp_path):
    """StatisticsGen's mean and std of a label may differ in their last bits
    between two runs over the same rows; the kinds decide the search."""

    def schema(name, label_kind, mean):
        folder = tmp_path / name
        folder.mkdir()
        table = json.dumps(
            [
                {"name": "x", "kind": "numerical"},
                {"name": "y", "kind": label_kind, "mean": mean, "std": 2.0},
            ]
        )
        (folder / "schema.pbtxt").write_text(
            'feature { name: "x" type: FLOAT }\n'
            'feature { name: "y" type: FLOAT }\n'
            "annotation { tag: "
            + json.dumps("autokeras_tfx.columns=" + table)
            + " }\n"
        )
        return {
            spec.SCHEMA_KEY: [
                _artifact(standard_artifacts.Schema, str(folder), 1)
            ]
        }

    first = resume.fingerprint(schema("a", "label", 142.6875), PROPERTIES)
    assert (
        resume.fingerprint(
            schema("b", "label", 142.68750000000003), PROPERTIES
        )
        == first
    )
    assert (
        resume.fingerprint(schema("c", "excluded", 142.6875), PROPERTIES)
        != first
    )
