"""One generic check for any layer, on the active engine.

``check_layer`` asserts, for a layer made by ``make(dtype)``:

1. ``compute_output_shape`` / the symbolic call equals the real output shape;
2. values equal ``reference(x, weights)`` (NumPy float64) when given;
3. the gradient of ``sum(out * r)`` w.r.t. the input and every trainable
   weight equals central finite differences, computed in float64 on the
   NumPy and torch engines (the layer is built with ``dtype='float64'``); on
   JAX (float32 only) it is compared with the NumPy engine's gradient;
4. ``keras_layer``: Keras 3's layer with the same config has the same weight
   shapes in the same order, and, with our weights copied in, the same outputs
   (rtol 1e-4). Pass ``keras_module`` (the fixture) to enable it.

Tolerances: float32 values rtol 1e-5 / atol 1e-5 unless given; gradients
rtol 1e-4 / atol 1e-6 against float64 differences (step 1e-6).
"""
from __future__ import annotations

import numpy as np

from kerasette import config, layers
from kerasette.layers.symbolic import flatten
from kerasette.variables import bind_values


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _call(layer, inputs, training, kwargs):
    args = inputs if isinstance(inputs, list) else inputs
    return layer(args, training=training, **kwargs) if layer._call_takes_training else layer(args, **kwargs)


def check_layer(make, x, reference=None, training=False, call_kwargs=None, rtol=1e-5, atol=1e-5,
                grad=True, grad_inputs=True, keras_layer=None, keras_module=None, keras_rtol=1e-4,
                int_inputs=False):
    """Run the four checks above; returns the layer built on the active engine."""
    b = config.active()
    call_kwargs = call_kwargs or {}
    xs = [np.asarray(a) for a in _as_list(x)]
    multi = isinstance(x, (list, tuple))

    # 1. symbolic shape == real shape
    layer = make("float32")
    sym_in = [layers.Input(shape=a.shape[1:], dtype=str(a.dtype) if a.dtype.kind in "iub" else "float32")
              for a in xs]
    sym_out = layer(sym_in if multi else sym_in[0], **call_kwargs)
    real = _call(layer, [b.convert(a) for a in xs] if multi else b.convert(xs[0]), training, call_kwargs)
    for s, r in zip(flatten(sym_out), flatten(real)):
        want = tuple(b.shape(r))
        got = tuple(s.shape)
        assert len(got) == len(want) and all(g is None or g == w for g, w in zip(got, want)), \
            f"{layer.name}: symbolic shape {got} != real shape {want}"
        assert got[1:] == want[1:] or None in got, f"{layer.name}: {got} vs {want}"
    weights = layer.get_weights()

    # 2. values vs float64 reference
    if reference is not None:
        want = reference(xs if multi else xs[0], weights)
        for r, w in zip(flatten(real), flatten(want)):
            np.testing.assert_allclose(b.to_numpy(r), w, rtol=rtol, atol=atol,
                                       err_msg=f"{layer.name} values on {b.name}")

    # 3. gradients
    if grad:
        _check_grads(make, xs, weights, multi, training, call_kwargs, grad_inputs and not int_inputs)

    # 4. Keras oracle
    if keras_layer is not None and keras_module is not None:
        _check_keras(keras_layer, keras_module, layer, xs, multi, real, call_kwargs, keras_rtol)
    return layer


def _grads_on(engine_name, make, xs, weights, multi, training, call_kwargs, with_inputs, dtype):
    previous = config._active
    config.set_backend(engine_name)
    b = config.active()
    try:
        layer = make(dtype)
        conv = [b.convert(a.astype(dtype) if a.dtype.kind == "f" else a) for a in xs]
        _call(layer, conv if multi else conv[0], training, call_kwargs)
        layer.set_weights([w.astype(dtype) for w in weights])
        params = layer.trainable_weights
        out0 = _call(layer, conv if multi else conv[0], training, call_kwargs)
        rng = np.random.default_rng(0)
        rs = [rng.normal(size=b.shape(o)).astype(dtype) for o in flatten(out0)]
        n_in = len(conv) if with_inputs else 0

        def f(flat, *_):
            ins, ws = flat[:n_in], flat[n_in:]
            use = ins if with_inputs else conv
            with bind_values(params, ws):
                out = _call(layer, use if multi else use[0], training, call_kwargs)
                total = None
                for o, r in zip(flat_list(out), rs):
                    term = b.sum(b.multiply(o, b.convert(r)))
                    total = term if total is None else b.add(total, term)
            return total, None

        start = (conv if with_inputs else []) + [p.value for p in params]
        (value, _), grads = b.value_and_grad(f)(start)
        return f, start, [np.asarray(b.to_numpy(g), dtype=np.float64) for g in grads], b
    finally:
        config._active = previous


def flat_list(x):
    return flatten(x)


def _check_grads(make, xs, weights, multi, training, call_kwargs, with_inputs):
    name = config.active().name
    if name == "jax":
        _, _, got, _ = _grads_on("jax", make, xs, weights, multi, training, call_kwargs, with_inputs, "float32")
        _, _, ref, _ = _grads_on("numpy", make, xs, weights, multi, training, call_kwargs, with_inputs, "float32")
        for g, r in zip(got, ref):
            np.testing.assert_allclose(g, r, rtol=1e-3, atol=1e-4, err_msg="jax grad vs numpy grad")
        return
    f, start, got, b = _grads_on(name, make, xs, weights, multi, training, call_kwargs, with_inputs, "float64")
    previous = config._active
    config.set_backend(name)
    try:
        eps = 1e-6
        for k, (p, g) in enumerate(zip(start, got)):
            base = np.asarray(b.to_numpy(p), dtype=np.float64)
            fd = np.zeros_like(base)
            it = np.nditer(base, flags=["multi_index"])
            count = 0
            for _ in it:
                idx = it.multi_index
                if count >= 40:  # a sample of entries keeps big layers fast
                    fd[idx] = g[idx]
                    continue
                count += 1
                vals = []
                for sign in (1, -1):
                    moved = base.copy()
                    moved[idx] += sign * eps
                    flat = list(start)
                    flat[k] = b.convert(moved)
                    vals.append(float(b.to_numpy(f(flat)[0])))
                fd[idx] = (vals[0] - vals[1]) / (2 * eps)
            np.testing.assert_allclose(g, fd, rtol=1e-4, atol=1e-6,
                                       err_msg=f"gradient {k} vs finite differences on {name}")
    finally:
        config._active = previous


def _check_keras(keras_layer, keras, layer, xs, multi, real, call_kwargs, rtol):
    klayer = keras_layer(keras)
    kin = xs if multi else xs[0]
    kout = klayer(kin, **call_kwargs)
    kw = klayer.get_weights()
    ours = layer.get_weights()
    assert [w.shape for w in kw] == [w.shape for w in ours], \
        f"weight shapes differ from Keras: {[w.shape for w in kw]} vs {[w.shape for w in ours]}"
    klayer.set_weights(ours)
    kout = klayer(kin, **call_kwargs)
    b = config.active()
    for r, k in zip(flatten(real), flatten(kout)):
        np.testing.assert_allclose(b.to_numpy(r), keras.ops.convert_to_numpy(k), rtol=rtol, atol=1e-5,
                                   err_msg=f"{layer.name} vs Keras 3")


# ------------------------------------------------------------------ configs
KERAS_CONFIG_SKIP = {"dtype", "trainable", "name"}


def check_config_round_trip(cls, kwargs):
    """``cls(**kwargs)``'s config survives ``cls.from_config``; returns that config."""
    cfg = cls(**kwargs).get_config()
    assert cls.from_config(cfg).get_config() == cfg
    return cfg


def keras_configs(keras, cls, kwargs):
    """``(ours, theirs, keys)``: our and Keras's configs of ``cls(**kwargs)``, checked to have
    the same keys but for ``KERAS_CONFIG_SKIP``, and those keys."""
    ours = cls(**kwargs).get_config()
    theirs = getattr(keras.layers, cls.__name__)(**kwargs).get_config()
    keys = set(theirs) - KERAS_CONFIG_SKIP
    assert set(ours) - KERAS_CONFIG_SKIP == keys
    return ours, theirs, keys


def check_config_matches_keras(keras, cls, kwargs):
    """Our config of ``cls(**kwargs)`` equals Keras's, key by key (see ``keras_configs``)."""
    ours, theirs, keys = keras_configs(keras, cls, kwargs)
    for key in keys:
        assert ours[key] == theirs[key], key


def check_config_read_by_keras(keras, layer):
    """Keras's ``from_config`` reads ``layer``'s config back to the same keys and values
    (tuples and lists compared as lists of floats)."""
    ours = layer.get_config()
    theirs = getattr(keras.layers, type(layer).__name__).from_config(
        {k: v for k, v in ours.items() if k != "dtype"}).get_config()
    assert set(ours) == set(theirs)

    def norm(v):
        return [float(e) for e in v] if isinstance(v, (tuple, list)) else v

    for k in ours.keys() - {"name", "dtype", "trainable"}:
        assert norm(ours[k]) == norm(theirs[k]), k
