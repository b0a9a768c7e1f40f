"""What each raw column is, decided from its statistics: where the kinds
are decided, once.

`decide_kinds` turns column profiles (built from TFDV's statistics, the
inferred schema and a count of distinct integers) plus the user's overrides
into one `ColumnDecision` per column (a label's with its task): the column
table. FeatureKindsGen stores it, encoded once, in the curated Schema
(`feature_kinds.column_table_tag`); Transform encodes each column by its
kind, and the tuner, the Trainer and the report read the same table back
(`feature_kinds.read_column_table`). The one other decider is
`feature_kinds.column_table_without_statistics`, for a Transform given
SchemaGen's schema instead of the curated one.

The rules, in order:
1. the label is the label;
2. `--exclude` columns and columns with no value are excluded;
   encoded image bytes (TFDV's image domain) are images (their target
   size and channels are decided by FeatureKindsGen's scan of the data);
3. `--text` / `--categorical` force the kind;
4. a constant column is excluded;
5. strings: mostly distinct natural language (TFDV's semantic domain, or
   long values) is text (a few phrases repeated, like company names, are
   categories); near-unique short strings are an ID and
   excluded; the rest is categorical;
6. integers: near-unique is an ID and excluded; few distinct values
   (at most `MAX_CATEGORICAL_INT_VALUES`) is categorical; else numerical;
7. floats are numerical.
"""

import dataclasses

from components.util import feature_kinds
from components.util.feature_kinds import CATEGORICAL
from components.util.feature_kinds import EXCLUDED
from components.util.feature_kinds import IMAGE
from components.util.feature_kinds import NUMERICAL
from components.util.feature_kinds import TEXT
from components.util.feature_kinds import ColumnDecision

# A column whose distinct values cover this share of its rows is an ID.
ID_DISTINCT_SHARE = 0.95
# ... judged only with at least this many values (tiny tables are all unique).
ID_MIN_VALUES = 20
# Integer columns with at most this many distinct values are categories.
MAX_CATEGORICAL_INT_VALUES = 20
# Strings this long on average, and mostly distinct, are free text.
TEXT_MIN_AVERAGE_LENGTH = 25
TEXT_MIN_DISTINCT_SHARE = 0.5


@dataclasses.dataclass(frozen=True)
class ColumnProfile:
    """What the statistics say about one raw column.

    Args:
        name: the raw column name.
        dtype: "int", "float" or "string".
        present: rows holding a value.
        distinct: distinct values (strings and ints; None when unknown).
        constant: every present value is the same.
        natural_language: TFDV's semantic domain says natural language.
        image: TFDV's semantic domain says image bytes.
        average_length: strings: the mean length in characters.
    """

    name: str
    dtype: str
    present: int
    distinct: int | None = None
    constant: bool = False
    natural_language: bool = False
    image: bool = False
    average_length: float = 0.0


def decide_kinds(profiles, config):
    """One `ColumnDecision` per profile, in the profiles' order.

    Args:
        profiles: list of `ColumnProfile`, the label's included.
        config: the run's `feature_kinds.TransformConfig` (label and
            overrides).
    """
    keys = feature_kinds.column_keys(
        [p.name for p in profiles], config.label_names
    )
    return [
        ColumnDecision(
            p.name,
            keys[p.name],
            *_kind_and_reason(p, config),
            task=(
                config.task_of(p.name)
                if p.name in config.label_names
                else None
            ),
        )
        for p in profiles
    ]


def _kind_and_reason(profile, config):
    name = profile.name
    if name in config.label_names:
        return feature_kinds.LABEL, (
            f"{profile.dtype}, the label"
            if not config.is_multi_task
            else f"{profile.dtype}, {config.task_of(name)}"
        )
    if name in config.exclude_features:
        return EXCLUDED, "--exclude"
    if profile.present == 0:
        return EXCLUDED, "no values"
    if name in config.image_features:
        return IMAGE, "encoded image bytes (image files)"
    if profile.image:
        return IMAGE, "encoded image bytes (TFDV image domain)"
    if name in config.text_features:
        return TEXT, "--text"
    if name in config.categorical_features:
        return CATEGORICAL, f"--categorical, {_distinct(profile)}"
    if profile.constant or profile.distinct == 1:
        return EXCLUDED, "constant: one value in every row"
    if profile.dtype == "string":
        return _string_kind(profile)
    if profile.dtype == "int":
        return _int_kind(profile)
    return NUMERICAL, profile.dtype


def _distinct(profile):
    return f"{profile.distinct} distinct" if profile.distinct else "distinct"


def _share(profile):
    return (profile.distinct or 0) / max(profile.present, 1)


def _looks_like_id(profile):
    return (
        profile.present >= ID_MIN_VALUES
        and _share(profile) >= ID_DISTINCT_SHARE
    )


def _string_kind(profile):
    share = f"distinct in {_share(profile):.0%} of rows"
    if profile.natural_language and _share(profile) >= TEXT_MIN_DISTINCT_SHARE:
        return TEXT, (
            f"string, natural language (TFDV semantic domain), {share}"
        )
    if (
        profile.average_length >= TEXT_MIN_AVERAGE_LENGTH
        and _share(profile) >= TEXT_MIN_DISTINCT_SHARE
    ):
        return TEXT, (
            f"string, free text: {share}, "
            f"{profile.average_length:.0f} characters on average"
        )
    if _looks_like_id(profile):
        return EXCLUDED, f"ID-like: string {share}"
    return CATEGORICAL, f"string, {_distinct(profile)}"


def _int_kind(profile):
    if _looks_like_id(profile):
        return EXCLUDED, (
            f"ID-like: int distinct in {_share(profile):.0%} of rows"
        )
    if (
        profile.distinct is not None
        and profile.distinct <= MAX_CATEGORICAL_INT_VALUES
    ):
        return CATEGORICAL, f"int, {profile.distinct} distinct"
    return NUMERICAL, f"int, {_distinct(profile)}"
