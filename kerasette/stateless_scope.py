"""``StatelessScope`` (Keras 3's ``keras.StatelessScope``): variables read given values
and their assignments are recorded, not kept.

Inside ``with StatelessScope(state_mapping=[(variable, value), ...]) as scope:`` a
mapped variable reads ``value``; ``variable.assign(x)`` changes what the variable
reads inside the block, and ``scope.get_current_value(variable)`` returns the
latest value (also after the block). When the block ends, every mapped or
assigned variable gets back the value it had before. This is the binding the
trainer's pure steps use (``variables.bind_values``), as a public object.
"""
from __future__ import annotations

STACK = []  # the active scopes, innermost last (Variable.assign checks it)


def _stack():
    return STACK


def current_scope():
    """The innermost active ``StatelessScope``, or None."""
    return STACK[-1] if STACK else None


def in_stateless_scope():
    """Whether a ``StatelessScope`` is active."""
    return current_scope() is not None


def get_stateless_scope():
    """The innermost active ``StatelessScope`` (Keras's name), or None."""
    return current_scope()


class StatelessScope:
    """A scope where variables are read from ``state_mapping`` and never changed.

    Args:
        state_mapping: pairs ``(Variable, value)``; inside the scope the variable
            reads the value.
        collect_losses: collect the losses layers add with ``add_loss`` in
            ``scope.losses``.
        initialize_variables: accepted for Keras compatibility.

    Example:
        >>> with StatelessScope(state_mapping=[(v, ops.ones(v.shape))]) as scope:
        ...     v.assign(v + 1)
        >>> scope.get_current_value(v)   # 2.0 everywhere; v itself is unchanged
    """

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        from .variables import Variable
        self.collect_losses = bool(collect_losses)
        self.initialize_variables = initialize_variables
        self.losses = []
        self._mapping = []
        for pair in state_mapping or ():
            var, value = pair
            if not isinstance(var, Variable):
                raise ValueError("Invalid reference variable in StatelessScope: all keys in "
                                 "argument `mapping` must be Variable instances. Received "
                                 f"instead: {var!r}")
            if isinstance(value, Variable):
                value = value._value
            b = var._backend
            if not b.is_array(value):
                value = b.convert(value, b.dtype(var._value))
            if tuple(b.shape(value)) != var.shape:
                raise ValueError("Invalid variable value in StatelessScope: all values in argument "
                                 "`mapping` must be tensors with a shape that matches the "
                                 f"corresponding variable shape. For variable {var.path!r}, "
                                 f"received invalid value with shape {tuple(b.shape(value))}, "
                                 f"but the variable has shape {var.shape}.")
            self._mapping.append((var, value))
        self._saved = {}  # id -> (variable, value before the scope)
        self._final = None

    def __enter__(self):
        for var, value in self._mapping:
            self._touch(var)
            var._value = value
        _stack().append(self)
        return self

    def _touch(self, var):
        """Remember ``var``'s value before its first change in this scope."""
        if id(var) not in self._saved:
            self._saved[id(var)] = (var, var._value)

    def add_loss(self, loss):
        self.losses.append(loss)

    def add_update(self, update):
        """``(variable, value)``: record an assignment (Keras's hook)."""
        var, value = update
        self._touch(var)
        var._value = value

    def get_current_value(self, variable):
        """The value ``variable`` has in this scope (None if neither mapped nor assigned)."""
        if self._final is not None:
            return self._final.get(id(variable))
        if id(variable) in self._saved:
            return variable._value
        return None

    def __exit__(self, *exc):
        stack = _stack()
        if stack and stack[-1] is self:
            stack.pop()
        self._final = {k: var._value for k, (var, _) in self._saved.items()}
        for var, old in self._saved.values():
            var._value = old
        return False
