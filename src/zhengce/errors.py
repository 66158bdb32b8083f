"""Errors every layer may raise or catch, kept below all of them so imports flow one way."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: the message is one line naming the file and the problem."""
