"""`components/resume.py`: which earlier search a new tuner execution
continues (fast; `tests/test_resume_local.py` is the end-to-end run)."""

import json
import os

from tfx.types import standard_artifacts

from components import resume
from components import spec


def _artifact(cls, uri, artifact_id):
    artifact = cls()
    artifact.uri = uri
    artifact.id = artifact_id
    return artifact


def _inputs(root, examples_id=1):
    examples = os.path.join(root, "examples")
    os.makedirs(os.path.join(examples, "Split-train"), exist_ok=True)
    with open(os.path.join(examples, "Split-train", "data.gz"), "a") as f:
        f.write("x")
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
    # Another artifact at the same URI (e.g. after MLMD was reset).
    other = _inputs(root, examples_id=2)
    with open(os.path.join(root, "examples", "Split-train", "data.gz")) as f:
        assert f.read() == "xx"
    assert resume.fingerprint(other, PROPERTIES) != resume.fingerprint(
        inputs, PROPERTIES
    )
    # Files rewritten in place (here: grown by a byte).
    grown = resume.fingerprint(inputs, PROPERTIES)
    assert grown != base


def _killed_search(results_uri):
    trial = os.path.join(results_uri, "search", "trials", "trial_0")
    os.makedirs(trial)
    with open(os.path.join(trial, "trial.json"), "w") as f:
        json.dump({"trial_id": "0", "status": "COMPLETED"}, f)
    os.makedirs(os.path.join(results_uri, "logs", "0"))


def test_a_new_execution_continues_the_same_fingerprint_only(tmp_path):
    parent = tmp_path / "tuner_results"
    killed, rerun, other = (str(parent / n) for n in ("7", "9", "11"))
    for uri in (killed, rerun, other):
        os.makedirs(uri)
    assert resume.continue_interrupted(killed, "abc", ("search", "logs")) is (
        None
    )
    _killed_search(killed)

    # Another fingerprint (new data, other parameters) starts empty.
    assert resume.continue_interrupted(other, "def", ("search",)) is None
    assert not os.path.exists(os.path.join(other, "search"))

    # The same one gets the killed search's state, and is now the one a
    # further kill would be continued from.
    assert resume.continue_interrupted(rerun, "abc", ("search", "logs")) == (
        killed
    )
    with open(os.path.join(
        rerun, "search", "trials", "trial_0", "trial.json"
    )) as f:
        assert json.load(f)["status"] == "COMPLETED"
    assert os.path.isdir(os.path.join(rerun, "logs", "0"))
    with open(parent / ".resume" / "abc.json") as f:
        assert json.load(f) == {"results_uri": rerun}

    # A finished search leaves nothing to continue.
    resume.finished(rerun, "abc")
    again = str(parent / "12")
    os.makedirs(again)
    assert resume.continue_interrupted(again, "abc", ("search",)) is None
    assert not os.path.exists(os.path.join(again, "search"))


def test_the_same_uri_is_left_alone(tmp_path):
    """A KFP pod retry: the same execution and URI keep their own state."""
    uri = str(tmp_path / "tuner_results" / "3")
    os.makedirs(uri)
    resume.continue_interrupted(uri, "abc", ("search",))
    _killed_search(uri)
    assert resume.continue_interrupted(uri, "abc", ("search",)) is None
    assert os.path.isfile(os.path.join(
        uri, "search", "trials", "trial_0", "trial.json"
    ))
