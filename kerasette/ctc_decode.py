"""``ops.ctc_decode``: turn per-frame CTC logits into label sequences (Keras 3's API).

* ``'greedy'`` (best path) is written with the active engine's ops only, so it
  runs inside ``jax.jit`` as well: the arg-max class per frame, repeats merged,
  blanks dropped, the survivors moved to the front.
* ``'beam_search'`` is CTC prefix beam search, run on the host in NumPy (it is
  data-dependent and never differentiated); it cannot be traced by ``jax.jit``.

Both return ``(decoded, scores)`` like ``keras.ops.ctc_decode``: ``decoded``
int32 ``(paths, batch, time)`` padded with -1; ``scores`` ``(batch, paths)``.
"""
from __future__ import annotations

import numpy as np

from . import config


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decode the output of a CTC model.

    Args:
        inputs: logits ``(batch, time, classes)`` (not softmax-normalized).
        sequence_lengths: int ``(batch,)``, the number of valid frames per sample.
        strategy: ``'greedy'`` or ``'beam_search'``.
        beam_width: prefixes kept per frame (beam search).
        top_paths: how many best sequences to return (beam search; greedy gives 1).
        merge_repeated: merge repeated classes on adjacent frames (greedy;
            beam search always follows the CTC collapse rule).
        mask_index: the blank class; ``None`` means the last class.

    Returns:
        ``(decoded, scores)``. ``decoded``: int32 ``(top_paths, batch, time)``,
        each sequence's labels first and -1 after. ``scores``: greedy, ``(batch,
        1)`` minus the sum over valid frames of each frame's largest logit (as
        Keras); beam search, ``(batch, top_paths)`` the log-probability of each
        sequence (summed over its alignments within the beam).

    Example:
        >>> logits = np.log(np.array([[[.1, .8, .1], [.1, .8, .1], [.8, .1, .1], [.1, .1, .8]]]))
        >>> decoded, _ = ops.ctc_decode(logits, [4])
        >>> decoded[0]  # [[1, 2, -1, -1]]
    """
    b = config.active()
    inputs = b.convert(_unwrap(inputs))
    if b.dtype(inputs) not in ("float32", "float64"):
        inputs = b.cast(inputs, "float32")
    if b.ndim(inputs) != 3:
        raise ValueError(f"ops.ctc_decode: `inputs` must be logits (batch, time, classes); got "
                         f"shape {b.shape(inputs)}.")
    batch, time, classes = b.shape(inputs)
    mask_index = classes - 1 if mask_index is None else int(mask_index)
    if not 0 <= mask_index < classes:
        raise ValueError(f"ops.ctc_decode: mask_index {mask_index} is outside the {classes} classes.")
    lengths = b.cast(b.convert(_unwrap(sequence_lengths)), "int32")
    if tuple(b.shape(lengths)) != (batch,):
        raise ValueError(f"ops.ctc_decode: `sequence_lengths` must have shape ({batch},); got "
                         f"{b.shape(lengths)}.")
    if strategy == "greedy":
        return _greedy(b, inputs, lengths, merge_repeated, mask_index)
    if strategy == "beam_search":
        return _beam_search(b, inputs, lengths, int(beam_width), int(top_paths), mask_index)
    raise ValueError(f"ops.ctc_decode: invalid strategy {strategy!r}; expected 'greedy' or "
                     f"'beam_search'.")


def _unwrap(x):
    v = getattr(x, "_kerasette_value", None)
    return v() if v is not None else x


def _greedy(b, inputs, lengths, merge_repeated, blank):
    batch, time, _ = b.shape(inputs)
    frames = b.arange(0, time, dtype="int32")
    past_end = b.greater_equal(b.expand_dims(frames, 0), b.expand_dims(lengths, 1))  # (B, T)
    best = b.where(past_end, blank, b.cast(b.argmax(inputs, axis=-1), "int32"))
    scores = b.where(past_end, b.zeros((batch, time), b.dtype(inputs)), b.max(inputs, axis=-1))
    if merge_repeated and time > 1:
        prev = b.concatenate([b.full((batch, 1), -1, "int32"),
                              b.getitem(best, (slice(None), slice(0, time - 1)))], axis=1)
        best = b.where(b.equal(best, prev), blank, best)
    keep = b.cast(b.not_equal(best, blank), "int32")
    # move the kept labels to the front: kept frame t goes to slot cumsum(keep)[t] - 1
    slot = b.where(b.equal(keep, 1), b.subtract(b.cumsum(keep, axis=1), 1), time)
    onehot = b.one_hot(slot, time, dtype="int32")                           # (B, T, slots)
    values = b.expand_dims(b.multiply(b.add(best, 1), keep), 2)            # label + 1, or 0
    decoded = b.subtract(b.sum(b.multiply(onehot, values), axis=1), 1)
    return b.expand_dims(b.cast(decoded, "int32"), 0), \
        b.expand_dims(b.negative(b.sum(scores, axis=1)), 1)


def _beam_search(b, inputs, lengths, beam_width, top_paths, blank):
    if beam_width < 1 or top_paths < 1 or top_paths > beam_width:
        raise ValueError(f"ops.ctc_decode: need 1 <= top_paths <= beam_width; got top_paths="
                         f"{top_paths}, beam_width={beam_width}.")
    logits = np.asarray(b.to_numpy(inputs), np.float64)
    logp = logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True)
    lens = np.asarray(b.to_numpy(lengths))
    batch, time, classes = logp.shape
    paths = np.full((top_paths, batch, time), -1, np.int32)
    scores = np.full((batch, top_paths), -np.inf, logits.dtype)
    for i in range(batch):
        best = _prefix_beam_search(logp[i, :int(lens[i])], beam_width, blank)
        for k, (prefix, score) in enumerate(best[:top_paths]):
            paths[k, i, :len(prefix)] = prefix
            scores[i, k] = score
    return b.convert(paths, "int32"), b.convert(scores.astype(b.dtype(inputs)))


def _prefix_beam_search(logp, beam_width, blank):
    """[(prefix tuple, log p)] best first, for one sample's (time, classes) log-probabilities."""
    neg = -np.inf
    beams = {(): (0.0, neg)}  # prefix -> (log p ending in blank, log p ending in a label)
    for lp in logp:
        nxt = {}

        def add(prefix, pb=neg, pnb=neg):
            ob, onb = nxt.get(prefix, (neg, neg))
            nxt[prefix] = (np.logaddexp(ob, pb), np.logaddexp(onb, pnb))

        for prefix, (pb, pnb) in beams.items():
            total = np.logaddexp(pb, pnb)
            add(prefix, pb=total + lp[blank])
            for c in range(len(lp)):
                if c == blank:
                    continue
                if prefix and prefix[-1] == c:
                    add(prefix + (c,), pnb=pb + lp[c])   # a repeat needs a blank between
                    add(prefix, pnb=pnb + lp[c])         # else it merges into the prefix
                else:
                    add(prefix + (c,), pnb=total + lp[c])
        ranked = sorted(nxt.items(), key=lambda kv: -np.logaddexp(*kv[1]))
        beams = dict(ranked[:beam_width])
    ranked = sorted(beams.items(), key=lambda kv: -np.logaddexp(*kv[1]))
    return [(prefix, float(np.logaddexp(*p))) for prefix, p in ranked]
