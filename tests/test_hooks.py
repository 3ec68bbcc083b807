"""The rooms' extension points: a room above registers once, however often its ready() runs, and the room below
hears every registered function in the order they came."""

from cellrelay.hooks import Hook


def test_a_function_registered_twice_is_called_once():
    hook, calls = Hook(), []

    def listener(value):
        calls.append(value)
        return [value]

    hook.register(listener)
    hook.register(listener)

    assert hook.gather(7) == [7] and calls == [7]


def test_results_are_gathered_in_the_order_of_registration():
    hook = Hook()
    hook.register(lambda step: [f"first {step}"])
    hook.register(lambda step: [])
    hook.register(lambda step: [f"second {step}", f"third {step}"])

    assert hook.gather("D0") == ["first D0", "second D0", "third D0"]
