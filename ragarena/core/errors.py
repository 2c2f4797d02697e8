"""Errors whose message is meant for the user (Spanish, no traceback)."""


class UserError(Exception):
    """Bad input or configuration; the message says what to do."""
