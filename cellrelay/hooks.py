"""Extension points: a room below offers a hook, the rooms above fill it from their ``AppConfig.ready``.

The rooms are layered (tests/test_layers.py): a lower room never imports a higher one, yet it sometimes
shows or asks what a higher room knows (the worklist's toxicity alerts, the checks before a discharge,
the pharmacy's steps for a bag). It declares a ``Hook``; each room above registers its function once
(``ready()`` may run more than once: a second registration keeps one), and the lower room calls them in
the order they were registered.
"""

from collections.abc import Callable, Iterator


class Hook:
    def __init__(self) -> None:
        self._functions: list[Callable] = []

    def register(self, function: Callable) -> Callable:
        if function not in self._functions:
            self._functions.append(function)
        return function

    def __iter__(self) -> Iterator[Callable]:
        return iter(tuple(self._functions))

    def gather(self, *args, **kwargs) -> list:
        """What every registered function returns (each a list), joined in order."""
        return [item for function in self for item in function(*args, **kwargs)]
