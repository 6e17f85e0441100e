"""Email addresses: how we store them and how we count them against the bombing limits. Pure."""

import re

# A quoted-pair inside a quoted local part: the backslash only escapes the next character.
QUOTED_PAIR = re.compile(r"\\(.)")


def is_quoted(email: str) -> bool:
    """Whether the local part is a quoted string ("ada"@example.com): sign-up refuses those."""
    return email.strip().startswith('"')


def ascii_domain(domain: str) -> str:
    """The domain in its ASCII (punycode) form, lower case: `Bücher.example` and
    `xn--bcher-kva.example` are one domain. Python's IDNA codec, as Django's mailer uses to
    send. A domain that codec refuses is only lower-cased (the form validated it already)."""
    try:
        return domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return domain.lower()


def clean_address(email: str) -> str:
    """Stored form: surrounding space removed and the domain in lower-case ASCII (the local
    part's case is the mailbox owner's business; uniqueness is case-insensitive anyway)."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{ascii_domain(domain)}"


def counting_key(email: str) -> str:
    """One key for every spelling that may reach the same inbox: quotes unwrapped, lower case,
    dots and +tags in the local part folded (Gmail ignores both), the domain in ASCII, so
    `"A.da+x"@Example.com` counts as `ada@example.com`. Used only for counting, never for
    sending: it may merge a few distinct mailboxes, which only makes the limit stricter."""
    local, _, domain = email.strip().rpartition("@")
    if local.startswith('"') and local.endswith('"') and len(local) > 1:
        local = QUOTED_PAIR.sub(r"\1", local[1:-1])
    local = local.lower().split("+", 1)[0].replace(".", "")
    return f"{local}@{ascii_domain(domain)}"


def masked(email: str) -> str:
    """The address as a page may show it to whoever holds a link: `ada@example.com` is
    `a***@example.com`, enough for its owner to recognise, too little to harvest."""
    local, _, domain = email.rpartition("@")
    return f"{local[:1]}***@{domain}"
