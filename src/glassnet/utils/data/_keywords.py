"""Explicit signatures that still help with typos: an unknown keyword names the closest valid one.

PyTorch's ``DataLoader(ds, shufle=True)`` raises ``TypeError: ... unexpected keyword argument
'shufle'``; Python 3.11 does not add a suggestion, so this wrapper does, without ``**kwargs``.
"""

from __future__ import annotations

import difflib
import functools
import inspect

_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def suggest_keywords(function):
    """Wrap ``function`` so that an unknown keyword raises a TypeError naming the closest one.

    The check runs before the call, so TypeErrors raised inside ``function`` pass through
    untouched; ``inspect.signature`` of the wrapper still shows the original signature.
    """
    names = [p.name for p in inspect.signature(function).parameters.values()
             if p.kind in _NAMED and p.name != "self"]
    valid = frozenset(names)
    owner = function.__qualname__.removesuffix(".__init__")

    @functools.wraps(function)
    def checked(*args, **kwargs):
        for key in kwargs:
            if key not in valid:
                close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
                hint = (f"did you mean {close[0]!r}?" if close
                        else f"the keywords are {', '.join(names)}")
                raise TypeError(f"{owner}() got an unexpected keyword argument {key!r}; {hint}")
        return function(*args, **kwargs)

    return checked
