"""The CTC forward algorithm, written once with the ``Backend``'s own primitives.

``Backend.ctc_loss`` calls ``ctc_forward(b, ...)`` with ``b`` the adapter, so the
same code runs on every engine that does not override ``ctc_loss`` (NumPy, JAX)
and is differentiated by that engine's autodiff; time is a ``b.scan``, so it
compiles under ``jax.jit``.

Design:

* log space throughout; the "log of zero" is a large finite negative number
  (``_NEG``), never ``-inf``, so no ``inf - inf`` ever reaches a gradient;
* one vectorized recursion over the extended label ``blank, l1, blank, l2, ...,
  blank`` (``S = 2 * max_label_len + 1`` states) for the whole batch; the
  state before the first frame is ``[0, NEG, NEG, ...]``, so frame 0 needs no
  special case;
* frames at or past a sample's ``logit_length`` leave its state unchanged;
* a sample whose log-likelihood stays near ``_NEG`` has no valid alignment
  (label longer than the frames allow, counting a blank between repeats): its
  loss is ``+inf`` on every engine and its gradient is 0 (torch's native
  ``F.ctc_loss`` also returns ``+inf``).
"""
from __future__ import annotations

_NEG = -1e30        # log(0) stand-in; representable in float32
_IMPOSSIBLE = -1e29  # a log-likelihood below this means "no alignment"


def _lse(b, terms):
    """Element-wise ``log(sum(exp(t)))`` of same-shape arrays, stable."""
    m = terms[0]
    for t in terms[1:]:
        m = b.maximum(m, t)
    m = b.stop_gradient(m)
    acc = b.exp(b.subtract(terms[0], m))
    for t in terms[1:]:
        acc = b.add(acc, b.exp(b.subtract(t, m)))
    return b.add(m, b.log(acc))


def _shift(b, alpha, k):
    """``alpha`` moved ``k`` states to the right along axis 1, ``_NEG`` filling in."""
    batch, states = b.shape(alpha)
    if k >= states:
        return b.full((batch, states), _NEG, b.dtype(alpha))
    fill = b.full((batch, k), _NEG, b.dtype(alpha))
    return b.concatenate([fill, b.getitem(alpha, (slice(None), slice(0, states - k)))], axis=1)


def ctc_forward(b, labels, logits, label_lengths, logit_lengths, blank_index=0):
    """``-log p(labels | logits)`` per sample; see ``Backend.ctc_loss`` for the contract.

    Args:
        b: the engine adapter (a ``Backend``).
        labels: int ``(batch, max_label_len)``; entries at or past a sample's
            label length are ignored (any value, e.g. 0 or -1).
        logits: float ``(batch, time, classes)``, unnormalized.
        label_lengths, logit_lengths: int ``(batch,)``.
        blank_index: the class used as the blank.

    Returns:
        float ``(batch,)`` losses (float16/bfloat16 logits are computed and
        returned in float32); ``+inf`` where no alignment exists.
    """
    logits = b.convert(logits)
    dtype = b.dtype(logits)
    if dtype not in ("float32", "float64"):
        dtype = "float32"
        logits = b.cast(logits, dtype)
    labels = b.cast(b.convert(labels), "int32")
    label_lengths = b.cast(b.convert(label_lengths), "int32")
    logit_lengths = b.cast(b.convert(logit_lengths), "int32")
    if b.ndim(logits) != 3 or b.ndim(labels) != 2:
        raise ValueError(f"ops.ctc_loss: expected labels (batch, max_label_len) and logits "
                         f"(batch, time, classes), got {b.shape(labels)} and {b.shape(logits)}.")
    batch, time, classes = b.shape(logits)
    max_len = b.shape(labels)[1]
    if b.shape(labels)[0] != batch:
        raise ValueError(f"ops.ctc_loss: labels have batch {b.shape(labels)[0]} but logits "
                         f"have batch {batch}.")
    if not 0 <= blank_index < classes:
        raise ValueError(f"ops.ctc_loss: blank_index {blank_index} is outside the "
                         f"{classes} classes.")
    states = 2 * max_len + 1
    logp = b.log_softmax(logits, axis=-1)

    # extended labels (batch, states): blank, l1, blank, l2, ..., blank;
    # padding (past the label length) becomes blank so every index is valid
    pos = b.arange(0, max_len, dtype="int32")
    in_label = b.less(b.expand_dims(pos, 0), b.expand_dims(label_lengths, 1))
    labels = b.where(in_label, labels, blank_index)
    blanks = b.full((batch, max_len), blank_index, "int32")
    ext = b.reshape(b.stack([blanks, labels], axis=2), (batch, 2 * max_len))
    ext = b.concatenate([ext, b.full((batch, 1), blank_index, "int32")], axis=1)

    # a skip s-2 -> s is allowed onto a label that differs from the previous label
    prev2 = b.concatenate([b.full((batch, min(2, states)), blank_index, "int32"),
                           b.getitem(ext, (slice(None), slice(0, max(states - 2, 0))))], axis=1)
    skip = b.logical_and(b.not_equal(ext, blank_index), b.not_equal(ext, prev2))

    # emissions (time, batch, states) and "frame is inside the sample" (time, batch, 1)
    idx = b.broadcast_to(b.expand_dims(ext, 1), (batch, time, states))
    emit = b.transpose(b.take_along_axis(logp, idx, axis=2), (1, 0, 2))
    frames = b.arange(0, time, dtype="int32")
    live = b.expand_dims(b.less(b.expand_dims(frames, 1), b.expand_dims(logit_lengths, 0)), 2)

    first = b.cast(b.equal(b.arange(0, states, dtype="int32"), 0), dtype)
    alpha0 = b.add(b.zeros((batch, states), dtype),
                   b.multiply(b.subtract(1.0, first), _NEG))  # [0, NEG, NEG, ...]
    neg = b.full((batch, states), _NEG, dtype)

    def step(alpha, x_t):
        emit_t, live_t = x_t
        skipped = b.where(skip, _shift(b, alpha, 2), neg)
        new = b.add(_lse(b, [alpha, _shift(b, alpha, 1), skipped]), emit_t)
        return b.where(live_t, new, alpha), None

    alpha, _ = b.scan(step, alpha0, (emit, live))

    # end in the last label (state 2L-1) or the final blank (state 2L)
    last = b.expand_dims(b.multiply(label_lengths, 2), 1)
    end_blank = b.squeeze(b.take_along_axis(alpha, last, axis=1), 1)
    end_label = b.squeeze(b.take_along_axis(alpha, b.maximum(b.subtract(last, 1), 0), axis=1), 1)
    end_label = b.where(b.greater(label_lengths, 0), end_label, b.full((batch,), _NEG, dtype))
    loglik = _lse(b, [end_blank, end_label])
    possible = b.greater(loglik, _IMPOSSIBLE)
    safe = b.where(possible, loglik, b.zeros_like(loglik))
    return b.where(possible, b.negative(safe), b.full((batch,), float("inf"), dtype))
