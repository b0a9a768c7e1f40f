"""Enough rows in every split: train, eval and test.

ExampleGen splits the rows by hash into train/eval/test buckets
(`--split`). A split with one row (or none) fails late and misleadingly:
one train row makes every column constant, FeatureKindsGen excludes them
all, and the tuner says no feature is left ("check --exclude"). This check
runs before any stage on the row count the input check read and says
which split is too small, with the counts and the flag that changes them.

The hash split is not known row by row before ExampleGen runs, so the
counts are the expected ones (rows x bucket share); a split expected to
hold fewer than `MIN_SPLIT_ROWS` rows is refused.
"""

from pipelines.preflight.input_files import InputError

SPLIT_NAMES = ("train", "eval", "test")
# Fewest expected rows per split: below, hashing leaves one row or none
# in it too often (one train row: nothing to learn; one test row: no
# evaluation).
MIN_SPLIT_ROWS = 3


def expected_split_rows(rows, split):
    """split name -> expected rows of `rows` rows in `split` buckets."""
    total = sum(split)
    return {
        name: rows * buckets / total
        for name, buckets in zip(SPLIT_NAMES, split)
    }


def check_split_rows(rows, split):
    """Raises InputError when a split would get too few rows.

    Args:
        rows: the labelled rows ExampleGen keeps.
        split: the (train, eval, test) hash buckets the run uses.
    """
    expected = expected_split_rows(rows, split)
    small = [n for n in SPLIT_NAMES if expected[n] < MIN_SPLIT_ROWS]
    if not small:
        return
    counts = ", ".join(f"{n} ~{expected[n]:.1f}" for n in SPLIT_NAMES)
    buckets = ",".join(str(b) for b in split)
    # Equal buckets give every split the most rows the table allows.
    if rows / len(SPLIT_NAMES) >= MIN_SPLIT_ROWS:
        advice = (
            "pass --split with more buckets for the small split (e.g. "
            "--split 1,1,1), or add rows"
        )
    else:
        advice = (
            f"add rows: every split needs {MIN_SPLIT_ROWS}, so at least "
            f"{MIN_SPLIT_ROWS * len(SPLIT_NAMES)} labelled rows (--split "
            "sets the shares)"
        )
    raise InputError(
        f"The {' and '.join(small)} split{'s' if len(small) > 1 else ''} "
        f"would get too few rows: {rows} labelled rows split {buckets} "
        f"(--split) give {counts} (at least {MIN_SPLIT_ROWS} each are "
        f"needed: one train row leaves nothing to learn, one test row "
        f"nothing to evaluate); {advice}."
    )
