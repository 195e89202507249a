"""What ``layers.JaxLayer`` asks of JAX: flattening parameter pytrees, rebuilding them,
and PRNG keys from integer seeds."""
from __future__ import annotations

import jax
import numpy as np


def flatten(tree):
    """``(list of NumPy arrays, treedef)`` of a pytree of arrays (None: ``([], None)``)."""
    if tree is None:
        return [], None
    leaves, treedef = jax.tree_util.tree_flatten(tree)
    return [np.asarray(leaf) for leaf in leaves], treedef


def unflatten(treedef, leaves):
    return None if treedef is None else jax.tree_util.tree_unflatten(treedef, list(leaves))


def key(seed):
    """A PRNG key from an integer seed or a ``SeedGenerator`` state ``[seed, counter]``
    (traced values inside ``jit`` are fine)."""
    seed = jax.numpy.asarray(seed)
    if seed.ndim == 1:
        return jax.random.fold_in(jax.random.PRNGKey(seed[0]), seed[1])
    return jax.random.PRNGKey(seed)


def leaves(tree):
    return jax.tree_util.tree_leaves(tree)
