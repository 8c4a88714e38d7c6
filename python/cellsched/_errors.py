"""The exceptions cellsched raises on purpose (the C++ ones of cellsched/error.hpp, mapped)."""
from __future__ import annotations


class Error(Exception):
    """Base of every exception cellsched raises on purpose."""


class InputError(Error, ValueError):
    """Bad input: names the file, the field path (and CSV line) and what was expected.

    Attributes:
        file: the file (or ``<job>``, ``<snapshot>`` ... for values passed from Python).
        field: the field path, e.g. ``jobs[3].global_batch``; empty when the whole input is wrong.
        expected: what the field should have held.
        line: 1-based line for CSV input, 0 otherwise.
    """

    def __init__(self, message: str, file: str = "", field: str = "", expected: str = "", line: int = 0):
        super().__init__(message)
        self.file = file
        self.field = field
        self.expected = expected
        self.line = line


class InternalError(Error, RuntimeError):
    """A broken invariant inside cellsched, or a decision that would double-book a GPU."""


class PolicyStateError(Error, RuntimeError):
    """A saved policy state that cannot be loaded."""
