"""How personal data is shown to those who may not see it whole."""


def mask(value: str | None, keep_start: int, keep_end: int) -> str:
    """Keep the first and last few characters and star the rest.

    >>> mask("430102200001011234", 4, 4)
    '4301**********1234'
    """
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + value[len(value) - keep_end :]


def mask_id_number(value: str | None) -> str:
    return mask(value, 4, 4)


def mask_phone(value: str | None) -> str:
    return mask(value, 3, 4)


def mask_bank_card(value: str | None) -> str:
    return mask(value, 4, 4)
