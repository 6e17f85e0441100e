"""A batch's signer and links are Django's Signer and the links module, only faster."""

from django.core.signing import Signer
from hypothesis import given
from hypothesis import strategies as st

from core.signers import BatchSigner


@given(st.text())
def test_a_batch_signer_signs_exactly_as_djangos_signer(value: str) -> None:
    assert BatchSigner("digest.view").sign(value) == Signer(salt="digest.view").sign(value)


def test_what_a_batch_signer_signs_unsigns_with_djangos_signer() -> None:
    token = BatchSigner("core.tokens.manage").sign("abc:123")

    assert Signer(salt="core.tokens.manage").unsign(token) == "abc:123"
