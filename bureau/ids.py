"""Ids from URLs and bodies."""


def as_id(value: int | str) -> int:
    """An id from a URL or body; what is not an id matches no row (-1), so it reads as not found."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
