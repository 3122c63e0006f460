"""Errors raised when a description or a scene cannot be read or drawn."""


class SceneError(ValueError):
    """A scene that breaks a rule of its family (overlap, out of range, contradiction)."""


class ParseError(SceneError):
    """A description that the family's parser cannot read.

    The message always names the offending word or phrase, so a user can fix the text.
    """
