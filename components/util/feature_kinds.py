"""What each column is: the kind names, the column table and its one reader.

Where the kinds are decided: FeatureKindsGen
(`components/feature_kinds_gen/kind_inference.py`) decides every raw
column's kind once, from the statistics and the user's overrides, as one
`ColumnDecision` per column: the column table (a label's with its task and,
for regression, StatisticsGen's mean and standard deviation).

Where they are encoded, once: `encode_column_table` turns the table into
JSON-ready entries; FeatureKindsGen stores them as one annotation tag of
the curated Schema (`column_table_tag`), and the Transform executor hands
the same entries to `preprocessing_fn` in `custom_config`
(`with_column_table`), which encodes each column by its kind.

Who reads them, all through `read_column_table` (a Schema proto): the
Transform executor and the run history from the curated Schema artifact
(`read_column_table_of`); the tuner (its workers and report included) and
the Trainer from the copy of that Schema that Transform stores with its
graph (`read_transform_column_table`), so that the search engine's view
of every input (`transformed_data.describe_inputs`) takes each kind from
the table, never from a tensor's dtype.

Also here: the vocabulary file names and the configuration that travels
in `custom_config` (`TransformConfig`).
"""

import dataclasses
import json
import os
import re
import unicodedata

NUMERICAL = "numerical"
CATEGORICAL = "categorical"
TEXT = "text"
IMAGE = "image"

CLASSIFICATION = "classification"
REGRESSION = "regression"
TASKS = (CLASSIFICATION, REGRESSION)

# Vocabulary files written by Transform. The prefixes keep a feature that
# happens to be called "classes" from colliding with the label's vocabulary.
LABEL_VOCABULARY = "classes__label"


EXCLUDED = "excluded"
LABEL = "label"
# What a missing cell of an optional numeric column reads as, the curated
# schema declaring such columns dense (`feature_kinds_gen`): NaN for
# floats; for integers, which have no NaN, the smallest int64, which the
# preprocessing then treats as missing.
MISSING_FLOAT = float("nan")
MISSING_INT = -(2**63)
# The curated schema's annotation tag that carries the column table.
COLUMN_TABLE_TAG = "autokeras_tfx.columns="
# The raw rows' identity (`data.records_digest` of ExampleGen's output),
# so that a search over the same data in another run is recognised.
DATA_DIGEST_TAG = "autokeras_tfx.data_digest="
# Transform's `custom_config` key that carries the column table.
COLUMNS_KEY = "columns"


def vocabulary_name(feature_key):
    return "vocab__" + feature_key


def safe_key(raw_name):
    """A name Keras and TensorFlow accept for a raw column name.

    Keras layer names and TF name scopes allow ASCII letters, digits and
    "_" (and refuse spaces, most punctuation and non-ASCII letters), so
    everything else becomes "_", accents are dropped ("größe" -> "groe"),
    and a name not starting with a letter gets a "c_" prefix.
    """
    ascii_name = (
        unicodedata.normalize("NFKD", raw_name)
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    name = re.sub(r"[^A-Za-z0-9_]+", "_", ascii_name).strip("_")
    if not name:
        return "column"
    return name if name[0].isalpha() else "c_" + name


def column_keys(raw_names, label):
    """Raw column name -> a unique safe key.

    A label's key is always `safe_key(label)` (the evaluation config names
    it before any data is seen); a name that is already safe keeps itself;
    the others get their safe form, made unique with "_2", "_3", ... in
    column order.

    Args:
        raw_names: the raw column names.
        label: the label column, or a list of them (multi-task).
    """
    labels = [label] if isinstance(label, str) else list(label)
    keys = {name: safe_key(name) for name in labels}
    taken = set(keys.values())
    for name in raw_names:
        if name not in keys and safe_key(name) == name and name not in taken:
            keys[name] = name
            taken.add(name)
    for name in raw_names:
        if name in keys:
            continue
        base = key = safe_key(name)
        count = 1
        while key in taken:
            count += 1
            key = f"{base}_{count}"
        keys[name] = key
        taken.add(key)
    return keys


@dataclasses.dataclass(frozen=True)
class ColumnDecision:
    """What the pipeline does with one raw column, and why.

    Args:
        name: the raw column name (the tf.Example feature key).
        key: the safe name of its transformed feature and model input.
        kind: numerical, categorical, text, image, excluded or label.
        reason: why, in words a person reads ("int, 4 distinct").
        image_shape: images only: [height, width, channels] that Transform
            decodes and resizes every image to (decided from the data).
        task: labels only: "classification" or "regression".
        mean: regression labels only: the train split's mean, from
            StatisticsGen (None: read from the transformed data).
        std: likewise its standard deviation.
    """

    name: str
    key: str
    kind: str
    reason: str
    image_shape: list = None
    task: str = None
    mean: float = None
    std: float = None

    def describe(self):
        return f"{self.name}: {self.kind} ({self.reason})"


def encode_column_table(decisions):
    """The table as JSON-ready entries: the one encoding, stored in the
    curated Schema and handed to `preprocessing_fn` alike."""
    return [dataclasses.asdict(d) for d in decisions]


def decode_column_table(entries):
    """The decisions of `encode_column_table`'s entries."""
    known = {f.name for f in dataclasses.fields(ColumnDecision)}
    return [
        ColumnDecision(**{k: v for k, v in entry.items() if k in known})
        for entry in entries or ()
    ]


def column_table_tag(decisions):
    """The annotation tag that stores the decisions in a Schema."""
    return COLUMN_TABLE_TAG + json.dumps(
        encode_column_table(decisions), ensure_ascii=False
    )


def read_column_table(schema):
    """The decisions stored in a curated Schema proto ([] if none): the one
    reader of the column table."""
    for tag in schema.annotation.tag:
        if tag.startswith(COLUMN_TABLE_TAG):
            return decode_column_table(
                json.loads(tag[len(COLUMN_TABLE_TAG) :])
            )
    return []


def read_column_table_of(schema_artifacts):
    """The decisions stored in the curated Schema artifact (a list of one)."""
    # TFX only here: the CLI imports this module before any stage runs.
    from tfx.types import artifact_utils
    from tfx.utils import io_utils

    schema = io_utils.SchemaReader().read(
        io_utils.get_only_uri_in_dir(
            artifact_utils.get_single_uri(schema_artifacts)
        )
    )
    return read_column_table(schema)


def read_transform_column_table(tft_output):
    """The decisions of the Schema Transform ran with ([] if none).

    TFX's Transform stores the schema it is given with its graph (the
    `metadata` folder, `tft.TFTransformOutput.raw_metadata`): in the
    pipeline, FeatureKindsGen's curated Schema, table included. So whoever
    holds the transform graph (the tuner, its parallel workers, the
    Trainer) reads the very table Transform encoded the columns by.

    Args:
        tft_output: a `tft.TFTransformOutput`.
    """
    from tfx.dsl.io import fileio

    metadata_dir = os.path.join(
        os.path.dirname(tft_output.transform_savedmodel_dir.rstrip("/")),
        tft_output.RAW_METADATA_DIR,
    )
    # tf.Transform run outside TFX (tests' harness) writes no raw schema.
    if not fileio.exists(metadata_dir):
        return []
    return read_column_table(tft_output.raw_metadata.schema)


def with_column_table(custom_config, decisions):
    """Transform's `custom_config` (a dict) with the table added, as
    `preprocessing_fn` reads it (`column_table_in`)."""
    return {**custom_config, COLUMNS_KEY: encode_column_table(decisions)}


def column_table_in(custom_config):
    """The table `with_column_table` added to a `custom_config` ([] if
    none)."""
    return decode_column_table((custom_config or {}).get(COLUMNS_KEY))


def column_table_without_statistics(raw_columns, config):
    """The table when Transform is not given a curated Schema (SchemaGen's
    instead): kinds from the config and the raw dtypes alone.

    Args:
        raw_columns: raw column name -> whether it holds strings.
        config: the run's `TransformConfig`.
    """
    keys = column_keys(sorted(raw_columns), config.label_names)
    decisions = []
    for name in sorted(raw_columns):
        task = None
        if name in config.label_names:
            kind, task = LABEL, config.task_of(name)
        elif name in config.exclude_features:
            kind = EXCLUDED
        else:
            kind = config.kind_of(name, raw_columns[name])
        decisions.append(
            ColumnDecision(
                name, keys[name], kind, "no curated schema", task=task
            )
        )
    return decisions


def label_tasks_for(labels, task=None, default=CLASSIFICATION):
    """[(label, task)] for label columns and a `--task` value.

    Args:
        labels: the label columns, in order.
        task: None (every label gets `default`), one task for every label,
            or a dict label -> task (labels it does not name get
            `default`).
        default: a task, or a function label -> task (the multi-task CLI
            infers each unnamed label's task from the data).
    """
    labels = list(labels)
    if isinstance(task, dict):
        unknown = [name for name in task if name not in labels]
        if unknown:
            raise ValueError(
                f"--task names {', '.join(repr(n) for n in unknown)}, which "
                f"{'is' if len(unknown) == 1 else 'are'} not a label "
                f"(labels: {', '.join(labels)}); name labels given to "
                "--label."
            )
    pick = default if callable(default) else (lambda name: default)
    return [
        (
            name,
            task.get(name) or pick(name)
            if isinstance(task, dict)
            else task or pick(name),
        )
        for name in labels
    ]


@dataclasses.dataclass(frozen=True)
class TransformConfig:
    """How to treat the raw columns; travels as a dict in `custom_config`.

    Args:
        label: the label column (the first one in a multi-task run).
        task: "classification" or "regression": the label's task.
        extra_labels: further label columns of a multi-task run, as
            (column, task) pairs; each gets its own head, metrics and
            blessing bar (`label_tasks` lists them all, in order).
        categorical_features: integer columns to encode as categories (strings
            are categorical unless listed in `text_features`).
        text_features: string columns holding free text.
        exclude_features: columns the model must not see (ids, leaks).
        image_features: columns of encoded image bytes, whatever TFDV
            says (the image ExampleGen's `image`: TFDV gives the image
            domain only from 100 values on).
        image_weights: a local file of pretrained weights for the image
            columns' large backbone (`--image-weights`; None: images train
            from scratch with small nets only).
    """

    label: str
    task: str = CLASSIFICATION
    extra_labels: tuple = ()
    categorical_features: tuple = ()
    text_features: tuple = ()
    exclude_features: tuple = ()
    image_features: tuple = ()
    image_weights: str = None

    def __post_init__(self):
        if not self.label:
            raise ValueError("A label column is required; received none.")
        if self.task not in TASKS:
            raise ValueError(
                f"task must be one of {TASKS}; received {self.task!r}."
            )
        for field in (
            "categorical_features",
            "text_features",
            "exclude_features",
            "image_features",
        ):
            object.__setattr__(self, field, tuple(getattr(self, field) or ()))
        # Pairs arrive as JSON lists from custom_config.
        object.__setattr__(
            self,
            "extra_labels",
            tuple(
                (str(name), str(task))
                for name, task in self.extra_labels or ()
            ),
        )
        names = [name for name, _ in self.label_tasks]
        for name, task in self.label_tasks:
            if task not in TASKS:
                raise ValueError(
                    f"The task of label {name!r} must be one of {TASKS}; "
                    f"received {task!r}."
                )
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(
                f"Label {repeated[0]!r} is named more than once; name each "
                "label column once."
            )
        keys = [safe_key(name) for name in names]
        for position, key in enumerate(keys):
            if key in keys[:position]:
                raise ValueError(
                    f"Labels {names[keys.index(key)]!r} and "
                    f"{names[position]!r} have the same model name {key!r} "
                    "once made safe for Keras; rename one of the columns."
                )

    @classmethod
    def for_labels(cls, label_tasks, **kwargs):
        """The config of these (label, task) pairs, the first one first."""
        (label, task), *extra = list(label_tasks)
        return cls(label=label, task=task, extra_labels=tuple(extra), **kwargs)

    @classmethod
    def from_dict(cls, config):
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in (config or {}).items() if k in known})

    @property
    def label_key(self):
        """The (first) label's key in the transformed data and the model."""
        return safe_key(self.label)

    @property
    def label_tasks(self):
        """Every label column with its task, in order: [(name, task)]."""
        return ((self.label, self.task),) + self.extra_labels

    @property
    def label_names(self):
        return tuple(name for name, _ in self.label_tasks)

    @property
    def label_text(self):
        """The label column, or the labels joined by "," (multi-task)."""
        return ",".join(self.label_names)

    @property
    def task_text(self):
        """The task, or the labels' tasks joined by "," (multi-task)."""
        return ",".join(task for _, task in self.label_tasks)

    @property
    def is_multi_task(self):
        return bool(self.extra_labels)

    def task_of(self, name):
        return dict(self.label_tasks)[name]

    def label_vocabulary_of(self, name):
        """The class vocabulary file of a classification label: the first
        label keeps `LABEL_VOCABULARY`, the others get their own."""
        if name == self.label:
            return LABEL_VOCABULARY
        return f"{LABEL_VOCABULARY}__{safe_key(name)}"

    def to_dict(self):
        return {
            k: [list(i) if isinstance(i, tuple) else i for i in v]
            if isinstance(v, tuple)
            else v
            for k, v in dataclasses.asdict(self).items()
        }

    def kind_of(self, name, is_string):
        """The kind of a raw input column (the label excluded)."""
        if name in self.text_features:
            return TEXT
        if is_string or name in self.categorical_features:
            return CATEGORICAL
        return NUMERICAL
