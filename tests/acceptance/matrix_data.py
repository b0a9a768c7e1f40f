"""The acceptance matrix's datasets, all from packages our runtime ships.

Each dataset is written as CSV exactly as a user would hand it over (raw
column names, empty cells for missing values), and 20% of its rows are held
out: written to a separate file the pipeline never sees, then scored through
the pushed model and, for comparison, through simple sklearn models fitted on
the same training file.
"""

import csv
import dataclasses
import os

import numpy as np
import pandas as pd

HOLDOUT_FRACTION = 0.2
SEED = 0


@dataclasses.dataclass(frozen=True)
class Dataset:
    """One row of the matrix.

    Args:
        name: the dataset's id in test names and the benchmark table.
        task: "classification" or "regression".
        label: the label column.
        load: () -> pandas DataFrame of every row, label included.
        text_columns: free-text columns (TF-IDF in the sklearn baselines).
        cli_args: extra `autokeras-tfx run` arguments.
        max_trials, epochs: the CI budget (the benchmark overrides trials).
        bom: write the CSV files with a UTF-8 byte-order mark.
        group: a column that groups rows (held out together, and not
            written to the CSV files).
    """

    name: str
    task: str
    label: str
    load: object
    text_columns: tuple = ()
    cli_args: tuple = ()
    max_trials: int = 2
    epochs: int = 10
    bom: bool = False
    group: str = None


def _taxi(rows=6000):
    """The taxi trips as the tfx wheel ships them; read as text so that the
    written CSV keeps the source's own formatting (ints stay ints)."""
    from pipelines import sample_data

    path = os.path.join(sample_data.demo_data_dir(), "data.csv")
    return pd.read_csv(path, nrows=rows, dtype=str, keep_default_na=False)


def _sklearn_frame(loader, label, class_names=False, **kwargs):
    """An sklearn toy dataset with its own feature names as headers."""
    bunch = loader(as_frame=True, **kwargs)
    frame = bunch.frame.rename(columns={"target": label})
    if class_names:
        frame[label] = np.asarray(bunch.target_names)[bunch.target]
    return frame


def _breast_cancer():
    # Names such as "mean radius": headers with spaces, kept raw.
    from sklearn.datasets import load_breast_cancer

    return _sklearn_frame(load_breast_cancer, "diagnosis", class_names=True)


def _wine():
    # Integer class ids as the label; a header with a slash.
    from sklearn.datasets import load_wine

    return _sklearn_frame(load_wine, "cultivar")


def _diabetes():
    # scaled=False: raw ages, blood pressures, ... as a user would have them.
    from sklearn.datasets import load_diabetes

    return _sklearn_frame(load_diabetes, "progression", scaled=False)


def _imdb(sentences_per_passage=2):
    """The 100 labelled movie reviews the tfx wheel ships, as passages of
    two sentences, each with its review's label.

    100 whole reviews leave about 50 training and 27 evaluation rows in the
    pipeline: nothing, not even logistic regression, beats the majority
    class there beyond noise. About 1,000 passages are enough to measure
    learning; whole reviews are held out together (`group`), so no
    held-out passage comes from a review the pipeline saw.
    """
    import re

    import tfx

    path = os.path.join(
        os.path.dirname(tfx.__file__),
        "examples",
        "imdb",
        "data",
        "imdb_small_with_labels.txt",
    )
    reviews = pd.read_csv(path, keep_default_na=False)
    rows = []
    for review, (label, text) in enumerate(
        zip(reviews["label"], reviews["text"])
    ):
        text = re.sub(r"<br\s*/?>", " ", text)
        sentences = [
            s.strip()
            for s in re.split(r"(?<=[.!?])\s+", text)
            if len(s.split()) >= 3
        ]
        for start in range(0, len(sentences), sentences_per_passage):
            passage = " ".join(
                sentences[start : start + sentences_per_passage]
            )
            rows.append({"review": review, "label": label, "text": passage})
    return pd.DataFrame(rows)


_POSITIVE = ("great", "fast", "friendly", "clean")
_NEGATIVE = ("slow", "broken", "rude", "dirty")
_NEUTRAL = ("the", "service", "was", "order", "item", "today", "very", "ok")


def _phrases(rng, sentiment):
    """Short notes whose words carry the sentiment (-1, 0, 1) of each row."""
    notes = []
    for value in sentiment:
        words = list(rng.choice(_NEUTRAL, size=3))
        if value:
            words.insert(
                int(rng.integers(0, 4)),
                rng.choice(_POSITIVE if value > 0 else _NEGATIVE),
            )
        notes.append(" ".join(words))
    return np.array(notes, dtype=object)


def _awkward(rows=800):
    """A mixed table with every header style a CSV can hold, missing values,
    an ID, a constant, a truly categorical small int and a free-text column;
    the label depends on all kinds (and on `level` non-monotonically)."""
    rng = np.random.default_rng(SEED)
    first, dotted, spaced = rng.normal(size=(3, rows))
    size = rng.gamma(2.0, 10.0, size=rows)
    level = rng.integers(1, 5, size=rows)
    colour = rng.choice(["red", "green", "blue"], size=rows)
    sentiment = rng.integers(-1, 2, size=rows)
    logit = (
        1.2 * first
        + 0.8 * dotted
        - 0.9 * spaced
        + 0.05 * (size - 20)
        + np.array([0, -1.5, 1.5, -1.5, 1.5])[level]
        + 1.2 * sentiment
        + np.where(colour == "red", 0.8, 0.0)
    )
    label = np.where(logit + 0.5 * rng.logistic(size=rows) > 0, "yes", "no")
    frame = pd.DataFrame(
        {
            "first col": first,
            "a.b": dotted,
            "x-y": rng.normal(size=rows),  # noise
            "größe": size.round(2),
            "温度": rng.normal(20, 5, size=rows).round(1),  # noise
            "2nd": colour,
            "a b": spaced,
            "a_b": rng.normal(
                size=rows
            ),  # noise; same name as "a b" sanitised
            "id": rng.permutation(rows) + 100000,
            "version": 3,
            "level": level,
            "note": _phrases(rng, sentiment),
            "target": label,
        }
    )
    for column, share in (
        ("first col", 0.1),
        ("x-y", 0.15),
        ("2nd", 0.1),
        ("温度", 0.05),
        ("note", 0.05),
        ("größe", 0.05),
    ):
        frame[column] = frame[column].astype(object)
        frame.loc[rng.random(rows) < share, column] = None
    return frame


DATASETS = {
    d.name: d
    for d in (
        Dataset("taxi", "classification", "payment_type", _taxi, epochs=20),
        Dataset(
            "breast_cancer",
            "classification",
            "diagnosis",
            _breast_cancer,
            epochs=30,
        ),
        # 142 rows reach the pipeline; its test split (a fifth, by hash)
        # holds about 28, under the default bar of 30 evaluation rows.
        Dataset(
            "wine",
            "classification",
            "cultivar",
            _wine,
            epochs=20,
            cli_args=("--min-eval-rows", "20"),
        ),
        Dataset("diabetes", "regression", "progression", _diabetes, epochs=20),
        # No --text: the run must infer that the passages are free text.
        Dataset(
            "imdb",
            "classification",
            "label",
            _imdb,
            text_columns=("text",),
            group="review",
            max_trials=3,
            epochs=30,
        ),
        Dataset(
            "awkward",
            "classification",
            "target",
            _awkward,
            text_columns=("note",),
            bom=True,
        ),
    )
}
NAMES = tuple(DATASETS)


def _strata(labels):
    """Stratification groups: classes too rare to split (fewer than 5 rows)
    share one group, itself merged into the largest class if it is tiny."""
    counts = labels.value_counts()
    strata = labels.where(labels.map(counts) >= 5, "__rare__")
    if (strata == "__rare__").sum() < 2:
        strata = strata.replace("__rare__", counts.index[0])
    return strata


def split(frame, dataset):
    """(train, holdout) frames: a seeded 20% hold-out, stratified by class
    for classification; with `dataset.group`, whole groups are held out
    (and the group column is dropped)."""
    from sklearn.model_selection import StratifiedGroupKFold
    from sklearn.model_selection import train_test_split

    if dataset.group:
        folds = StratifiedGroupKFold(
            n_splits=round(1 / HOLDOUT_FRACTION),
            shuffle=True,
            random_state=SEED,
        )
        train_rows, holdout_rows = next(
            folds.split(
                frame, frame[dataset.label].astype(str), frame[dataset.group]
            )
        )
        frame = frame.drop(columns=[dataset.group])
        return frame.iloc[train_rows], frame.iloc[holdout_rows]
    strata = None
    if dataset.task == "classification":
        strata = _strata(frame[dataset.label].astype(str))
    return train_test_split(
        frame, test_size=HOLDOUT_FRACTION, random_state=SEED, stratify=strata
    )


def write_csv(frame, path, bom=False):
    """Writes a frame as CSV with its raw headers; missing cells are empty.

    A file already holding the same bytes is left as it is: ExampleGen's
    input fingerprint includes the file's mtime, so a benchmark rerun on the
    same --workdir reuses the earlier run's stages (TFX's cache).
    """
    os.makedirs(os.path.dirname(path), exist_ok=True)
    text = frame.to_csv(index=False)
    encoded = text.encode("utf-8-sig" if bom else "utf-8")
    if os.path.exists(path):
        with open(path, "rb") as f:
            if f.read() == encoded:
                return path
    with open(path, "wb") as f:
        f.write(encoded)
    return path


def read_frame(path):
    """The CSV as the sklearn baselines see it: only empty cells are NaN."""
    return pd.read_csv(
        path, encoding="utf-8-sig", keep_default_na=False, na_values=[""]
    )


def read_rows(path):
    """(header, rows): the CSV's raw text cells, as dicts by column name."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames), list(reader)
