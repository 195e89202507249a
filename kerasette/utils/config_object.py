"""``Config``: a dict with attribute access that can be frozen, as ``keras.utils.Config``."""
from __future__ import annotations

import json


class Config:
    """Settings as attributes or keys; ``freeze()`` makes them read-only.

    Example:
        >>> c = Config(learning_rate=1e-3, layers=2)
        >>> c.layers += 1
        >>> c.freeze()
        >>> c.to_json()
        '{"learning_rate": 0.001, "layers": 3}'
    """

    def __init__(self, **kwargs):
        object.__setattr__(self, "_config", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self):
        """Whether the config is read-only."""
        return self._frozen

    def freeze(self):
        """Make the config read-only."""
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        """Make the config writable again."""
        object.__setattr__(self, "_frozen", False)

    def _raise_if_frozen(self):
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen.")

    def __getattr__(self, name):
        try:
            return self._config[name]
        except KeyError:
            raise AttributeError(f"Unknown attribute: '{name}'") from None

    def __setattr__(self, name, value):
        self._raise_if_frozen()
        self._config[name] = value

    def __delattr__(self, name):
        self._raise_if_frozen()
        del self._config[name]

    def __getitem__(self, key):
        return self._config[key]

    def __setitem__(self, key, value):
        self._raise_if_frozen()
        self._config[key] = value

    def __delitem__(self, key):
        self._raise_if_frozen()
        del self._config[key]

    def __contains__(self, key):
        return key in self._config

    def __iter__(self):
        return iter(self._config)

    def __len__(self):
        return len(self._config)

    def __repr__(self):
        return f"<Config {self._config}>"

    def get(self, key, default=None):
        return self._config.get(key, default)

    def keys(self):
        return self._config.keys()

    def values(self):
        return self._config.values()

    def items(self):
        return self._config.items()

    def pop(self, *args):
        self._raise_if_frozen()
        return self._config.pop(*args)

    def update(self, *args, **kwargs):
        self._raise_if_frozen()
        self._config.update(*args, **kwargs)

    def as_dict(self):
        """A copy of the settings as a plain dict."""
        return dict(self._config)

    def to_json(self):
        """The settings as a JSON string."""
        return json.dumps(self._config)
