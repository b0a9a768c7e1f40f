"""The public acceptance matrix: `autokeras-tfx run` on data nobody here
tuned to, scored on 20% of rows the pipeline never saw.

For every dataset in matrix_data.DATASETS: a model is pushed, it serves raw
tf.Examples keyed by the raw CSV column names, and its held-out score beats
the trivial predictor and at least ties logistic regression / ridge fitted on
the same training rows.

    ./dev pytest tests/acceptance -q           # all of it (slow)
    ./dev pytest tests/acceptance -q -k wine   # one dataset

Each run prints one line: held-out score, trivial, linear, seconds.
"""

import matrix_data
import matrix_run
import numpy as np
import pytest

from tests.helpers import serving_loaders

pytestmark = pytest.mark.slow


def test_written_csvs_keep_raw_headers_and_hold_out_a_fifth(tmp_path):
    dataset = matrix_data.DATASETS["awkward"]
    train, holdout = matrix_data.split(dataset.load(), dataset)
    path = matrix_data.write_csv(train, str(tmp_path / "data.csv"), bom=True)
    with open(path, "rb") as f:
        assert f.read(3) == b"\xef\xbb\xbf"
    header, rows = matrix_data.read_rows(path)
    assert {
        "first col",
        "a.b",
        "x-y",
        "größe",
        "温度",
        "2nd",
        "a b",
        "a_b",
    } <= set(header)
    assert len(rows) == len(train)
    assert any(row["first col"] == "" for row in rows)
    assert not set(train.index) & set(holdout.index)
    assert abs(len(holdout) / (len(train) + len(holdout)) - 0.2) < 0.01
    # Stratified: the held-out class shares are the training ones.
    shares = [
        f["target"].value_counts(normalize=True)["yes"]
        for f in (train, holdout)
    ]
    assert abs(shares[0] - shares[1]) < 0.02


# Breast cancer, diabetes and IMDB were known gaps until the presets
# started with linear models (search_space/presets.py): tables with a
# linear trial (no hidden layer, lr 1e-2, batch 16), text with word TF-IDF
# into a linear head. Measured at the CI budget: breast cancer 0.9825
# against logistic regression's 0.9737 (was 0.9474), diabetes R^2 0.3207
# against ridge's 0.3311, tie margin 0.039 (was 0.2650), IMDB 0.6019
# against 0.5728, majority 0.5243 (was: nothing pushed, or the majority).
# IMDB stays the noisiest row: blessing needs the model to beat the
# majority on a test split of about 107 passages, where logistic
# regression itself leads by a few rows.
#
# Taxi, 6000 rows, 2 trials of 20 epochs: 0.9733 against logistic
# regression's 0.9767 while the Trainer retrained on the train split only;
# refit on train + eval for the best trial's epoch count (issue 10) it
# scores 0.9767, a tie (tests/benchmarks/bench_matrix.py --trials 2
# --datasets taxi).
_KNOWN_GAPS = {}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=_KNOWN_GAPS[n]))
        if n in _KNOWN_GAPS
        else n
        for n in matrix_data.NAMES
    ],
)
def test_pushed_model_beats_trivial_and_linear_on_held_out_rows(
    name, tmp_path, request
):
    result = matrix_run.run_dataset(matrix_data.DATASETS[name], str(tmp_path))
    # To the terminal, uncaptured. Not capsys: it would hand the pipeline's
    # progress handler a per-test stream, closed before the next run.
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nacceptance {result.line()}", flush=True)
    summary = {
        k: v
        for k, v in result.summary.items()
        if k in ("pushed", "metrics")
        or "bless" in k
        or "reason" in k
        or "threshold" in k
    }

    assert result.ours is not None, f"nothing was pushed: {summary}"
    assert not result.unknown_keys, (
        "the serving model parses keys that are no raw CSV column: "
        f"{result.unknown_keys}"
    )
    assert result.ours > result.trivial, (
        f"no better than the trivial predictor: {result.line()}"
    )
    # A tie counts: ours may fall below the linear model by the tie margin,
    # 1.645 standard errors of the paired difference on these rows (not
    # worse at the one-sided 5% level; see scoring.tie_margin).
    assert result.ours >= result.linear - result.tie_margin, (
        "worse than the linear model by more than the tie margin: "
        f"{result.line()}"
    )
    # TF Serving loads the model into a Session; that loader must give the
    # same answers on the same raw examples (issue 13).
    records = np.array(result.serialized, dtype=object)
    serving_loaders.assert_same_answers(
        serving_loaders.object_loader_answers(
            result.summary["pushed_model"], records
        ),
        serving_loaders.session_loader_answers(
            result.summary["pushed_model"], records
        ),
    )
    # And the model server's C++ loader, without Python's ops (issue 26).
    serving_loaders.assert_same_answers(
        serving_loaders.object_loader_answers(
            result.summary["pushed_model"], records
        ),
        serving_loaders.cpp_loader_answers(
            result.summary["pushed_model"], records
        ),
    )
