"""Email addresses: how we store them and how we count them against the bombing limits. Pure."""


def clean_address(email: str) -> str:
    """Stored form: surrounding space removed and the domain lower-cased (the local part's case
    is the mailbox owner's business; uniqueness is case-insensitive anyway)."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}"


def counting_key(email: str) -> str:
    """One key for every spelling that may reach the same inbox: lower case, dots and +tags in
    the local part folded (Gmail ignores both), so `A.da+x@Example.com` counts as `ada@example.com`.
    Used only for counting, never for sending: it may merge a few distinct mailboxes, which only
    makes the limit stricter."""
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0].replace(".", "")
    return f"{local}@{domain}"
