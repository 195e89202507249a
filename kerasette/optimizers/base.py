"""``Optimizer``: the base of every optimizer, with Keras 3's API and update order.

Design rules:

* All state is ``Variable``s listed by ``optimizer.variables`` in a stable
  order (Keras's): ``iterations``, the learning-rate variable (when the rate is
  a number), EMA averages, gradient accumulators, then the slots.
* ``apply`` only reads ``variable.value`` and writes new values, with no host
  reads and no Python branching on array values, so the trainer can run it
  inside a pure, jitted step by binding explicit values into the variables
  (``kerasette.variables.bind_values``) and reading them back (``get_values``).
* Per step: drop missing gradients, unscale, clip, decay weights, update,
  apply constraints, update EMA, then ``iterations += 1`` (Keras's order).
* Built-in optimizers write their update as a pure function of values
  (``_rule``), computing step-wide scalars once per ``apply``
  (``_coefficients``). ``_write`` is the one place new values are stored: a
  faster path (in-place updates on NumPy/PyTorch) can replace it or ``_rule``.
  Custom optimizers may instead override Keras's ``build`` and ``update_step``.
* Speed: the hot loop calls the active adapter ``K`` (the object that
  ``kerasette.ops`` forwards to, same contract) to skip the ops layer's
  argument unwrapping, and passes hyper-parameters as cached 0-d arrays: on
  PyTorch a Python-float operand costs ~5 us per op, on NumPy 2x. On JAX they
  stay Python floats (arrays made while tracing must not be cached).
"""
from __future__ import annotations

import numbers
import re
import warnings

from .. import config, ops
from ..distribution import multiprocess, placement
from ..variables import Variable, bind_values, get_values
from .schedules import LearningRateSchedule, deserialize as _deserialize_schedule, \
    serialize as _serialize_schedule

_NAME_COUNTS = {}


def _auto_name(cls_name):
    base = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", cls_name)).lower()
    n = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def _int_dtype():
    return "int32" if config.backend() == "jax" else "int64"


class Optimizer:
    """Base optimizer. Subclass and implement ``build`` + ``update_step`` (Keras style).

    Args:
        learning_rate: a float, a ``LearningRateSchedule``, or a callable
            taking no argument.
        weight_decay: if set, each step first does ``w -= w * weight_decay * lr``.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clip all gradients together to this global L2 norm.
        use_ema: keep an exponential moving average of the weights.
        ema_momentum: the EMA's momentum.
        ema_overwrite_frequency: overwrite the weights with their average every
            this many steps (None: only in ``finalize_variable_values``).
        loss_scale_factor: gradients are divided by it (see ``scale_loss``).
        gradient_accumulation_steps: update every this many steps with the
            mean of the accumulated gradients.
        name: the optimizer's name.

    Example:
        >>> class MySGD(Optimizer):
        ...     def update_step(self, gradient, variable, learning_rate):
        ...         variable.assign(variable - gradient * learning_rate)
        >>> opt = MySGD(learning_rate=0.1)
        >>> opt.apply([grad], [var])
    """

    # subclasses with a pure update rule list their slots here (see _slot_groups)
    _has_rule = False

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if "lr" in kwargs:
            warnings.warn("The `lr` argument is deprecated, use `learning_rate` instead.",
                          DeprecationWarning, stacklevel=3)
            learning_rate = kwargs.pop("lr")
        decay = kwargs.pop("decay", None)
        if decay:
            warnings.warn("The `decay` argument is deprecated: kerasette applies it as Keras 2 "
                          "did (lr / (1 + decay * iterations)). Prefer a LearningRateSchedule "
                          "such as `schedules.InverseTimeDecay(lr, 1, decay)`.",
                          DeprecationWarning, stacklevel=3)
        if kwargs:
            raise ValueError(f"{type(self).__name__}: argument(s) not recognized: {kwargs}")
        clip_args = sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm))
        if clip_args > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                             f"set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        if use_ema:
            if not 0 <= ema_momentum <= 1:
                raise ValueError(f"`ema_momentum` must be in the range [0, 1]. "
                                 f"Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency is not None and (
                    not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                                 f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
        if gradient_accumulation_steps is not None and not (
                isinstance(gradient_accumulation_steps, int) and gradient_accumulation_steps >= 2):
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             f"gradient_accumulation_steps={gradient_accumulation_steps}")

        self.name = name or _auto_name(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.decay = float(decay or 0.0)
        self.built = False

        # Created on first need, on the engine active then (see _ensure_state).
        self._iterations = None
        self._learning_rate_var = None
        self._variables = []
        self._trainable_variables = []
        self._index = {}
        self._slots = []
        self._dtypes = []
        self._const_cache = {}
        self._averages = []
        self._accumulators = []
        self._constraints = []
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._owned = {}  # variable index -> (value, slot values) last written (fast path)
        self._pure_call = False
        self._learning_rate = self._check_learning_rate(learning_rate)

    # ------------------------------------------------------------ state
    @staticmethod
    def _check_learning_rate(lr):
        if isinstance(lr, LearningRateSchedule) or (callable(lr) and not ops.is_array(lr)
                                                    and not isinstance(lr, Variable)):
            return lr
        if isinstance(lr, numbers.Real) and not isinstance(lr, bool):
            return float(lr)
        if isinstance(lr, Variable) or (hasattr(lr, "shape") and tuple(lr.shape) == ()):
            return float(lr)
        raise ValueError("Argument `learning_rate` should be a float, a LearningRateSchedule, "
                         "or a callable (taking no argument) returning the learning rate. "
                         f"Received instead: learning_rate={lr!r}")

    def _ensure_state(self):
        """Create ``iterations`` and the learning-rate variable on the active engine."""
        engine = config.backend()
        if self._iterations is not None and self._iterations.engine == engine:
            return
        if self._iterations is not None and self.built:
            raise ValueError(f"Optimizer {self.name!r} was built on the {self._iterations.engine} "
                             f"engine and cannot be used on the {engine} engine; create a new "
                             "optimizer (`get_config`/`from_config`).")
        old_iter = None if self._iterations is None else int(self._iterations.numpy())
        old_lr = None if self._learning_rate_var is None else float(self._learning_rate_var.numpy())
        self._int_dtype = dtype = _int_dtype()
        self._iterations = Variable(ops.convert(old_iter or 0, dtype), dtype=dtype,
                                    trainable=False, name="iteration")
        self._variables = [self._iterations]
        self._learning_rate_var = None
        if isinstance(self._learning_rate, float) or old_lr is not None:
            value = self._learning_rate if isinstance(self._learning_rate, float) else old_lr
            fx = config.floatx()
            self._learning_rate_var = Variable(ops.convert(value, fx), dtype=fx,
                                               trainable=False, name="learning_rate")
            self._variables.append(self._learning_rate_var)
            self._learning_rate = self._learning_rate_var

    @property
    def iterations(self):
        """The number of steps applied (an int ``Variable``; counted in updates,
        i.e. divided by ``gradient_accumulation_steps``, when accumulating)."""
        self._ensure_state()
        if self.gradient_accumulation_steps:
            return ops.floor_divide(self._iterations.value, self.gradient_accumulation_steps)
        return self._iterations

    @property
    def variables(self):
        """All optimizer state ``Variable``s, in a stable order (for saving and
        for the trainer's pure step)."""
        self._ensure_state()
        return list(self._variables)

    @property
    def learning_rate(self):
        """The current learning rate: an engine float scalar (a Python float
        before the optimizer has state). Settable with a float or a schedule."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return lr.value
        if isinstance(lr, float):
            return lr
        if isinstance(lr, LearningRateSchedule):
            self._ensure_state()
            return lr(self._iterations.value)
        return lr()

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, LearningRateSchedule) or (
                callable(value) and not ops.is_array(value) and not isinstance(value, Variable)):
            if self._learning_rate_var is not None:
                self._variables.remove(self._learning_rate_var)
                self._learning_rate_var = None
            self._learning_rate = value
            return
        if isinstance(self._learning_rate, LearningRateSchedule) or callable(self._learning_rate) \
                and not isinstance(self._learning_rate, (Variable, float)):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as "
                            "its `learning_rate` constructor argument, hence its learning rate is "
                            "not settable. If you need the learning rate to be settable, you "
                            "should instantiate the optimizer with a float `learning_rate`.")
        if isinstance(self._learning_rate, Variable):
            self._learning_rate_var.assign(ops.convert(value, self._learning_rate_var.dtype)
                                           if not ops.is_array(value) else value)
        else:
            self._learning_rate = self._check_learning_rate(value)

    def add_variable(self, shape, initializer="zeros", dtype=None, name=None):
        """Create and track an optimizer state variable.

        Args:
            shape: the variable's shape.
            initializer: 'zeros', 'ones', a number, or an initializer
                (a callable ``(shape, dtype) -> array``, or its name).
            dtype: defaults to floatx.
            name: the variable's name.

        Returns:
            The new non-trainable ``Variable``.
        """
        self._ensure_state()
        dtype = dtype or config.floatx()
        shape = tuple(shape)
        key = initializer.lower() if isinstance(initializer, str) else None
        if isinstance(initializer, numbers.Number):
            value = ops.full(shape, initializer, dtype)
        elif initializer is None or key == "zeros":
            value = ops.zeros(shape, dtype)
        elif key == "ones":
            value = ops.ones(shape, dtype)
        else:
            if isinstance(initializer, (str, dict)):
                from .. import initializers  # a sibling package, imported on demand
                initializer = initializers.get(initializer)
            value = initializer
        var = Variable(value, shape=shape, dtype=dtype, trainable=False, name=name)
        self._variables.append(var)
        return var

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A state variable shaped like ``reference_variable``, named ``{path}_{name}``."""
        prefix = str(getattr(reference_variable, "path", reference_variable.name)).replace("/", "_")
        slot = self.add_variable(reference_variable.shape, initializer, reference_variable.dtype,
                                 name=f"{prefix}_{name or 'var'}")
        placement.place_like(slot, reference_variable)  # a distributed variable's layout
        return slot

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable and per name, interleaved per variable (Keras's order).

        Returns a list of slots (``name`` a string) or a tuple of lists.
        """
        names = [name] if isinstance(name, str) else list(name)
        inits = initializer if isinstance(initializer, (list, tuple)) else [initializer] * len(names)
        out = tuple([] for _ in names)
        for var in trainable_variables:
            for k, (n, init) in enumerate(zip(names, inits)):
                out[k].append(self.add_variable_from_reference(var, n, init))
        return out[0] if isinstance(name, str) else out

    def build(self, variables):
        """Create the state for ``variables`` (the trainable variables, in order)."""
        if self.built:
            return
        self._ensure_state()
        variables = list(variables)
        self._trainable_variables = variables
        self._index = {id(v): i for i, v in enumerate(variables)}
        self._dtypes = [v.dtype for v in variables]
        if self.use_ema:
            self._averages = self.add_optimizer_variables(variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulators = self.add_optimizer_variables(variables, "gradient_accumulator")
        self._constraints = [(i, c) for i, v in enumerate(variables)
                             if (c := getattr(v, "constraint", None)) is not None]
        if self._has_rule:
            per_var = [[] for _ in variables]
            for group in self._slot_groups():
                names = [n for n, _ in group]
                made = self.add_optimizer_variables(variables, names, [init for _, init in group])
                for slots in made:
                    for i, s in enumerate(slots):
                        per_var[i].append(s)
            self._slots = [tuple(s) for s in per_var]
        self.built = True

    def _get_variable_index(self, variable):
        try:
            return self._index[id(variable)]
        except KeyError:
            raise ValueError(f"Unknown variable: {variable}. This optimizer can only be called "
                             "for the variables it was originally built with. When working with "
                             "a new set of variables, you should recreate a new optimizer "
                             "instance.") from None

    # ------------------------------------------------------------ applying
    def apply_gradients(self, grads_and_vars):
        """Apply ``(gradient, variable)`` pairs; returns ``iterations``."""
        grads, variables = zip(*grads_and_vars)
        self.apply(list(grads), list(variables))
        return self._iterations

    def _built_variables(self):
        """The variables the optimizer was built with (``apply(grads)`` without variables)."""
        if not self.built:
            raise ValueError("When passing `grads` without `variables`, the optimizer must "
                             "already be built on a list of variables. Call "
                             "`optimizer.build(trainable_variables)` first.")
        return self._trainable_variables

    def _apply_targets(self, trainable_variables):
        """The variables an ``apply`` updates: ``trainable_variables`` (building the
        optimizer on first use), or, for None, the ones it was built with."""
        if trainable_variables is None:
            return list(self._built_variables())
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        return trainable_variables

    def apply(self, grads, trainable_variables=None):
        """Update ``trainable_variables`` from ``grads`` and advance ``iterations`` by 1.

        Args:
            grads: one engine array (or None) per variable.
            trainable_variables: the variables; builds the optimizer on first
                use. None: the variables the optimizer was built with.
        """
        if len(grads) == 0:
            return
        if trainable_variables is None:
            variables = self._built_variables()
            if len(grads) != len(variables):
                raise ValueError(f"Received {len(grads)} gradients, but the optimizer is "
                                 f"tracking {len(variables)} trainable variables.")
            indices = range(len(variables))
        else:
            variables = list(trainable_variables)
            if not self.built:
                self.build(variables)
            elif self._iterations.engine != (config._active or config.active()).name:
                self._ensure_state()  # raises the engine-mismatch error
            index = self._index
            indices = [index.get(id(v), -1) for v in variables]
            if -1 in indices:
                self._get_variable_index(variables[indices.index(-1)])
            if len(grads) != len(variables):
                raise ValueError(f"Received {len(grads)} gradients for {len(variables)} variables.")

        grads = multiprocess.reduce_gradients(grads)  # averaged over data-parallel processes
        if any(g is None for g in grads):
            grads, variables, indices = self._drop_missing(grads, variables, indices)
        if self.loss_scale_factor is not None:
            grads = [ops.divide(g, self.loss_scale_factor) for g in grads]

        if self.gradient_accumulation_steps:
            self._accumulate_and_update(grads, variables, indices)
        else:
            self._update(grads, variables, indices)

        if self.use_ema:
            self._update_averages()
        it = self._iterations
        K = config._active or config.active()
        self._write(it, K.add(it.value, self._constants(K, self._int_dtype, (1,))[0]))

    def _drop_missing(self, grads, variables, indices):
        keep = [k for k, g in enumerate(grads) if g is not None]
        if not keep:
            raise ValueError("No gradients provided for any variable.")
        missing = [getattr(variables[k], "path", variables[k].name)
                   for k, g in enumerate(grads) if g is None]
        warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss. "
                      "If using `model.compile()`, did you forget to provide a `loss` argument?",
                      stacklevel=3)
        return ([grads[k] for k in keep], [variables[k] for k in keep],
                [indices[k] for k in keep])

    def _update(self, grads, variables, indices):
        """Clip, decay weights, run the update rule, apply constraints."""
        grads = self._clip_gradients(grads)
        lr = self._current_learning_rate()
        self._prepare_step()
        if self._has_rule and type(self).update_step is Optimizer.update_step:
            self._apply_rule(grads, variables, indices, lr, decay=True)
        else:
            self._apply_weight_decay(variables, lr)
            self._backend_update_step(grads, variables, lr)
        for i, constraint in self._constraints:
            if i in indices:
                var = self._trainable_variables[i]
                var.assign(constraint(var.value))

    def _current_learning_rate(self):
        lr = self._learning_rate
        if isinstance(lr, Variable) and not self.decay:
            return lr.value
        lr = self.learning_rate
        if not ops.is_array(lr):
            lr = ops.convert(lr, config.floatx())
        if self.decay:
            step = ops.cast(self._iterations.value, ops.dtype(lr))
            lr = ops.divide(lr, ops.add(ops.multiply(step, self.decay), 1.0))
        return lr

    def _apply_rule(self, grads, variables, indices, lr, decay):
        """The built-in path: step-wide scalars once, then one pure rule per variable.

        Fast path: a weight whose value and slots are the arrays this optimizer
        wrote at its previous update (so nothing else holds them) is updated in
        place, all such weights of a dtype at once (``_rule_inplace``), on engines
        that offer it (``K.inplace``: NumPy, PyTorch). Anything else -- the first
        step, a value assigned from outside, JAX -- takes the pure rule, whose
        fresh results the optimizer then owns.
        """
        K = config._active or config.active()
        inplace = self._inplace_engine(K)
        per_dtype = {}
        batches = {}
        wd = self.weight_decay if decay else None
        dtypes = self._dtypes
        for g, var, i in zip(grads, variables, indices):
            x = var.value
            dtype = dtypes[i]
            entry = per_dtype.get(dtype)
            if entry is None:
                lr_d = lr if K.dtype(lr) == dtype else K.cast(lr, dtype)
                h = self._constants(K, dtype, self._hyper())
                entry = per_dtype[dtype] = (self._coefficients(K, lr_d, dtype), h)
            c, h = entry
            if not K.is_array(g):
                g = K.convert(g, dtype)
            elif K.dtype(g) != dtype:
                g = K.cast(g, dtype)
            slots = self._slots[i]
            decays = bool(wd) and self._use_weight_decay(var)
            if inplace is not None and self._owns(i, x, slots):
                batch = batches.get(dtype)
                if batch is None:
                    batch = batches[dtype] = ([], [], [[] for _ in slots], [])
                batch[0].append(g)
                batch[1].append(x)
                for k, s in enumerate(slots):
                    batch[2][k].append(s._value)
                if decays:
                    batch[3].append(x)
                continue
            if decays:
                wd_c = self._constants(K, dtype, (wd,))[0]
                x = K.subtract(x, K.multiply(K.multiply(x, wd_c), c[0]))
            x, new_slots = self._rule(K, g, x, [s.value for s in slots], c, h)
            self._write(var, x)
            for s, v in zip(slots, new_slots):
                self._write(s, v)
            if inplace is not None:
                self._claim(inplace, i, x, new_slots)
        for dtype, (gs, xs, slot_values, decayed) in batches.items():
            c = per_dtype[dtype][0]
            if decayed:
                inplace.add_(decayed, decayed, K.multiply(c[0], -float(wd)))
            self._rule_inplace(K, inplace, gs, xs, slot_values, c)

    # in-place fast path ------------------------------------------------
    # ``_rule_inplace(K, I, gs, xs, slots, c)`` updates the lists ``xs`` (values)
    # and ``slots[k]`` (the k-th slot of each) in place with the engine's
    # ``I = K.inplace``; ``c`` as for ``_rule``. None: no fast path.
    _rule_inplace = None

    def _inplace_supported(self):
        """Whether this configuration may use ``_rule_inplace`` (e.g. not AMSGrad)."""
        return True

    def _inplace_engine(self, K):
        if (self._rule_inplace is None or self.gradient_accumulation_steps
                or self._pure_call or not self._inplace_supported()):
            return None
        return getattr(K, "inplace", None)

    def _own_current_values(self):
        """Take the current weight and slot values as this optimizer's own, so the next
        update runs in place, as it would have had nothing been assigned. For values just
        loaded from a file (fresh arrays nothing else holds): a run restored from a backup
        then takes the uninterrupted run's arithmetic path, bit for bit."""
        inplace = self._inplace_engine(config._active or config.active())
        if inplace is None or not self.built or not self._has_rule:
            return
        for i, var in enumerate(self._trainable_variables):
            self._claim(inplace, i, var._value, [s._value for s in self._slots[i]])

    def _owns(self, i, x, slots):
        record = self._owned.get(i)
        if record is None or record[0] is not x:
            return False
        return all(a is s._value for a, s in zip(record[1], slots))

    def _claim(self, inplace, i, x, slot_values):
        if inplace.owns(x) and all(inplace.owns(v) for v in slot_values):
            self._owned[i] = (x, tuple(slot_values))
        else:
            self._owned.pop(i, None)

    def _constants(self, K, dtype, values):
        """``values`` (Python numbers) as 0-d arrays of ``dtype``, cached (see module doc)."""
        if K.name == "jax":
            return values
        key = (K.name, dtype, values)
        out = self._const_cache.get(key)
        if out is None:
            if len(self._const_cache) > 64:  # hyper-parameters changed many times
                self._const_cache.clear()
            out = self._const_cache[key] = tuple(K.convert(v, dtype) for v in values)
        return out

    def _write(self, variable, value):
        # The single store of a new value (same shape and dtype by construction,
        # so Variable.assign's checks are skipped); the in-place fast-path hook.
        variable._value = value

    def _local_step(self, K, dtype):
        """``iterations + 1`` as a float scalar of ``dtype`` (the 1-based step)."""
        one = self._constants(K, self._int_dtype, (1,))[0]
        return K.cast(K.add(self._iterations_value(), one), dtype)

    def _iterations_value(self):
        """The engine value of ``iterations`` (update count when accumulating)."""
        it = self._iterations.value
        if self.gradient_accumulation_steps:
            return ops.floor_divide(it, self.gradient_accumulation_steps)
        return it

    # hooks for built-in optimizers ------------------------------------
    def _slot_groups(self):
        """Slots per variable: a list of groups; each group is a list of
        ``(name, initializer)`` created interleaved per variable (Keras's order)."""
        return []

    def _prepare_step(self):
        """Step-wide state updates, once per ``apply`` before the variables (Nadam)."""

    def _hyper(self):
        """The Python-number hyper-parameters ``_rule`` reads, as a tuple (``h``)."""
        return ()

    def _coefficients(self, K, lr, dtype):
        """Step-wide scalars for ``_rule`` (``c``; index 0 must be the learning rate)."""
        return (lr,)

    def _rule(self, K, g, x, slots, c, h):
        """``(new value, [new slot values])`` for one variable.

        ``K``: the active engine adapter; ``g``, ``x``: gradient and value;
        ``slots``: slot values in ``_slot_groups`` order; ``c``: the step's
        ``_coefficients``; ``h``: ``_hyper()`` as 0-d arrays (or floats).
        """
        raise NotImplementedError

    # Keras-style hooks -------------------------------------------------
    def update_step(self, gradient, variable, learning_rate):
        """Update one variable (Keras's hook for custom optimizers)."""
        if not self._has_rule:
            raise NotImplementedError(f"{type(self).__name__} must implement "
                                      "`update_step(gradient, variable, learning_rate)`.")
        if not ops.is_array(learning_rate):
            learning_rate = ops.convert(learning_rate, config.floatx())
        self._apply_rule([gradient], [variable], [self._get_variable_index(variable)],
                         learning_rate, decay=False)

    def _backend_update_step(self, grads, variables, learning_rate):
        for g, var in zip(grads, variables):
            self.update_step(g, var, learning_rate)

    def assign(self, variable, value):
        """``variable.assign(value)`` (Keras's hook)."""
        variable.assign(value)

    def assign_add(self, variable, value):
        """``variable.assign_add(value)``."""
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        """``variable.assign_sub(value)``."""
        variable.assign_sub(value)

    # ------------------------------------------------- clipping, decay
    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            c = float(self.clipnorm)
            return [ops.divide(ops.multiply(g, c), ops.maximum(ops.sqrt(ops.sum(ops.square(g))), c))
                    for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            c = float(self.global_clipnorm)
            total = ops.sqrt(ops.sum(ops.stack([ops.sum(ops.square(g)) for g in grads])))
            # c * min(1/norm, 1/c); NaN when the norm is not finite, as Keras
            scale = ops.add(ops.multiply(ops.minimum(ops.divide(1.0, total), 1.0 / c), c),
                            ops.subtract(total, total))
            return [ops.multiply(g, ops.cast(scale, ops.dtype(g))) for g in grads]
        if self.clipvalue and self.clipvalue > 0:
            v = float(self.clipvalue)
            return [ops.clip(g, -v, v) for g in grads]
        return grads

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempt variables from weight decay (call before ``build``).

        Args:
            var_list: variables to exempt.
            var_names: substrings (regular expressions); a variable whose name
                contains one is exempt (e.g. ``['bias']``).
        """
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        return not (self._exclude_pattern is not None
                    and self._exclude_pattern.search(variable.name))

    def _apply_weight_decay(self, variables, lr):
        if not self.weight_decay:
            return
        for var in variables:
            if self._use_weight_decay(var):
                x = var.value
                c = ops.cast(lr, ops.dtype(x))
                var.assign(ops.subtract(x, ops.multiply(ops.multiply(x, self.weight_decay), c)))

    # --------------------------------------------- accumulation, EMA
    def _accumulate_and_update(self, grads, variables, indices):
        """Every step adds to the accumulators; every ``steps``-th step updates
        with their mean. Both branches are computed and selected with ``where``
        so the step stays free of host reads."""
        steps = self.gradient_accumulation_steps
        is_update = ops.equal(ops.mod(ops.add(self._iterations.value, 1), steps), 0)
        accs = [self._accumulators[i] for i in indices]
        summed = [ops.add(g, a.value) for g, a in zip(grads, accs)]
        watched = list(variables) + self._variables
        before = get_values(watched)
        self._update([ops.divide(s, steps) for s in summed], variables, indices)
        for var, old in zip(watched, before):
            new = var.value
            if new is not old:
                self._write(var, ops.where(is_update, new, old))
        for a, s in zip(accs, summed):
            self._write(a, ops.where(is_update, ops.zeros_like(s), s))

    def _update_averages(self):
        it = self._iterations_value()
        for var, avg in zip(self._trainable_variables, self._averages):
            x = var.value
            momentum = ops.multiply(ops.cast(ops.not_equal(it, 0), ops.dtype(x)), self.ema_momentum)
            self._write(avg, ops.add(ops.multiply(momentum, avg.value),
                                     ops.multiply(ops.subtract(1.0, momentum), x)))
        if self.ema_overwrite_frequency:
            due = ops.equal(ops.mod(ops.add(it, 1), self.ema_overwrite_frequency), 0)
            for var, avg in zip(self._trainable_variables, self._averages):
                self._write(var, ops.where(due, avg.value, var.value))

    def finalize_variable_values(self, var_list):
        """Set the final weights: with ``use_ema``, their moving averages."""
        if self.use_ema:
            if len(var_list) != len(self._averages):
                raise ValueError(f"The length of model variables ({len(var_list)}) to override "
                                 "does not match the length of model variables stored in the "
                                 f"optimizer ({len(self._averages)}).")
            for var, avg in zip(var_list, self._averages):
                var.assign(avg.value)

    def scale_loss(self, loss):
        """``loss * loss_scale_factor`` when a factor is set."""
        if self.loss_scale_factor is not None:
            return ops.multiply(loss, self.loss_scale_factor)
        return loss

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """Pure form of ``apply``: values in, ``(new trainable values, new
        optimizer values)`` out (``optimizer_variables``: the values of ``variables``).
        The optimizer must be built."""
        if not self.built:
            raise ValueError(f"To call `stateless_apply`, {type(self).__name__} must be built; "
                             "call `optimizer.build(trainable_variables)` first.")
        own = self.variables
        if len(optimizer_variables) != len(own):
            raise ValueError(f"Expected {len(own)} optimizer values, got {len(optimizer_variables)}.")
        tv = self._trainable_variables
        if len(trainable_variables) != len(tv):
            raise ValueError(f"{type(self).__name__}.stateless_apply: expected {len(tv)} trainable "
                             f"values (the variables it was built with), got "
                             f"{len(trainable_variables)}.")
        pure = self._pure_optimizers()
        with bind_values(tv + own, list(trainable_variables) + list(optimizer_variables)):
            for opt in pure:
                opt._pure_call = True  # the caller's arrays are never updated in place
            try:
                self.apply(grads)
            finally:
                for opt in pure:
                    opt._pure_call = False
            return get_values(tv), get_values(own)

    def _pure_optimizers(self):
        """The optimizers whose in-place fast path ``stateless_apply`` turns off (a
        wrapper's inner ones)."""
        return [self]

    # ------------------------------------------------------------ saving
    def set_weights(self, weights):
        """Set the state variables from a list of arrays (``variables`` order)."""
        if not self.built:
            raise ValueError("You are calling `set_weights()` on an optimizer that has not yet "
                             "been built. Call `optimizer.build(trainable_variables)` first.")
        for var, w in zip(self.variables, weights):
            if tuple(var.shape) != tuple(getattr(w, "shape", ())):
                raise ValueError(f"Optimizer variable {var.name!r} has shape {var.shape} not "
                                 f"compatible with provided weight shape {tuple(w.shape)}.")
            var.assign(w)

    def get_weights(self):
        """The state variables as NumPy arrays (``variables`` order)."""
        return [v.numpy() for v in self.variables]

    def save_own_variables(self, store):
        """Write the state into ``store['0']``, ``store['1']``, ... (Keras's layout)."""
        for i, var in enumerate(self.variables):
            store[str(i)] = var.numpy()

    def load_own_variables(self, store):
        """Read the state written by ``save_own_variables``."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            warnings.warn(f"Skipping variable loading for optimizer '{self.name}', because it has "
                          f"{len(variables)} variables whereas the saved optimizer has "
                          f"{len(store.keys())} variables.", stacklevel=2)
            return
        for i, var in enumerate(variables):
            var.assign(store[str(i)])

    def get_config(self):
        """The constructor arguments as a JSON-friendly dict (Keras 3's keys)."""
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            lr = _serialize_schedule(lr)
        elif isinstance(lr, Variable):
            lr = float(lr.numpy())
        elif callable(lr) and not isinstance(lr, float):
            lr = float(ops.to_numpy(ops.convert(lr())))
        cfg = {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
               "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
               "clipvalue": self.clipvalue, "use_ema": self.use_ema,
               "ema_momentum": self.ema_momentum,
               "ema_overwrite_frequency": self.ema_overwrite_frequency,
               "loss_scale_factor": self.loss_scale_factor,
               "gradient_accumulation_steps": self.gradient_accumulation_steps}
        if self.decay:
            cfg["decay"] = self.decay
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new optimizer (without state) from ``get_config()``'s dict."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _deserialize_schedule(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"
