"""Sub-module arithmetic of the hill-climbing oracle's mutations.

A mutation resamples ONE sub-module of the best trial's values. The
sub-modules form a hierarchy over the hyperparameter names
(`submodule_tree`), and one of them is drawn with probability proportional
to 1 / n_i, n_i its number of hyperparameters (`pick_submodule`); then its
values are drawn again (`resample`). Pure functions of their arguments
(names, the search space, a NumPy generator): the oracle calls them.
"""

import re

import numpy as np
from keras_tuner.engine import hyperparameters as hp_module

WHOLE_MODEL = "<model>"
TRAINING = "<training>"
_LAYER_INDEX = re.compile(r".+_(\d+)")


def submodule_tree(hp_names):
    """The hierarchy of sub-modules over the given hyperparameter names.

    Levels, smallest first: every hyperparameter alone; every layer (the
    hyperparameters of one scope whose names end in the same `_<i>`, e.g.
    `dense_block_1/units_0` and `dense_block_1/dropout_0` form
    `dense_block_1/layer_0`); every block scope, nested blocks included in
    their parents; the training hyperparameters at the top level; the whole
    model. A group with the same members as a smaller one is listed once,
    under the smaller one's name.

    Returns:
        Dict of sub-module name to the sorted tuple of its members.
    """
    groups = {}
    for name in hp_names:
        groups.setdefault(name, set()).add(name)
        scope, _, local = name.rpartition("/")
        layer = _LAYER_INDEX.fullmatch(local)
        if layer:
            prefix = scope + "/" if scope else ""
            groups.setdefault(f"{prefix}layer_{layer.group(1)}", set()).add(
                name
            )
        parts = name.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            groups.setdefault("/".join(parts[:depth]), set()).add(name)
        if not parts:
            groups.setdefault(TRAINING, set()).add(name)
    if hp_names:
        groups[WHOLE_MODEL] = set(hp_names)
    tree, seen = {}, set()
    # Smallest first; of equal groups, a hyperparameter's own name wins.
    names = set(hp_names)
    order = sorted(groups, key=lambda n: (len(groups[n]), n not in names, n))
    for name in order:
        members = frozenset(groups[name])
        if members not in seen:
            seen.add(members)
            tree[name] = tuple(sorted(members))
    return tree


def selection_probabilities(sizes):
    """P(pick sub-module i) = (1 / n_i) / sum_j (1 / n_j).

    The paper (Jin et al., JMLR 2023, eq. 1-2) writes this as
    p = softmax(logit(p_hat)) with p_hat_i = 1 / (n_i + 1); since
    logit(1 / (n + 1)) = ln(1 / n), the softmax is proportional to 1 / n_i.

    Args:
        sizes: The number of hyperparameters n_i of each candidate.
    """
    weights = 1.0 / np.asarray(sizes, dtype=float)
    return weights / weights.sum()


def pick_submodule(tree, rng, min_size=1):
    """Draws one sub-module of at least `min_size` hyperparameters.

    Args:
        tree: From `submodule_tree`.
        rng: A `numpy.random.Generator`.
        min_size: Widening: smaller sub-modules are not candidates.

    Returns:
        The picked sub-module's name.
    """
    names = [n for n in sorted(tree) if len(tree[n]) >= min_size]
    probabilities = selection_probabilities([len(tree[n]) for n in names])
    return names[rng.choice(len(names), p=probabilities)]


def is_tunable(hp):
    """Whether resampling `hp` can change its value."""
    if isinstance(hp, hp_module.Fixed):
        return False
    if isinstance(hp, hp_module.Choice):
        return len(hp.values) > 1
    if isinstance(hp, (hp_module.Int, hp_module.Float)):
        return hp.max_value > hp.min_value
    return True


def resample(hyperparameters, base, members, rng):
    """Copies the values `base`, resampling the hyperparameters in `members`
    (None: all) from the space `hyperparameters`.

    Hyperparameters the resampling activates (say, the layers of a newly
    chosen block type) are sampled as part of the same mutation. Each
    sampled value takes its seed from `rng`, in the space's order.

    Returns:
        Dict of hyperparameter name to value, the active ones only.
    """
    base_hps = hyperparameters.copy()
    base_hps.values = dict(base)
    hps = hyperparameters.copy()
    hps.values = {}
    for hp in hps.space:
        if not hps.is_active(hp):
            continue
        kept = (
            members is not None
            and hp.name not in members
            and hp.name in base
            and base_hps.is_active(hp)
        )
        if kept:
            hps.values[hp.name] = base[hp.name]
        else:
            seed = int(rng.integers(2**31))
            hps.values[hp.name] = hp.random_sample(seed)
    return hps.values
