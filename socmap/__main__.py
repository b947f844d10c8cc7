"""``python -m socmap`` and the ``socmap`` command.

A Ctrl-C is held from here until :func:`socmap.cli.run` is ready to say it: Python raises a
pending Ctrl-C on entering any function, so one landing between this module's start and
``run``'s first line ended in a traceback and a death by SIGINT (-2). Only the interpreter's
own start-up is left, before any of socmap's code has run. Only where Ctrl-C would raise:
a process started with Ctrl-C ignored (a background job of a script) keeps ignoring it.
"""

import _signal  # the C module: the held handler is set before anything else is imported

_held: list[int] = []  # the Ctrl-Cs that landed before run was ready
_previous = None
if __name__ != "__mp_main__" and _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
    # Not in a child process that multiprocessing spawns: it imports this module again.
    _previous = _signal.signal(_signal.SIGINT, lambda signum, frame: _held.append(signum))

from socmap.cli import run  # noqa: E402 - after the handler, for the reason above


def entry() -> None:
    """The ``socmap`` command (pyproject's ``[project.scripts]``)."""
    run(held=_held, restore=_previous)


if __name__ == "__main__":  # not when a spawned child process imports it
    entry()
