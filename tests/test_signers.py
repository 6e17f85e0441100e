"""A batch's signer is Django's Signer, only faster."""

from django.core.signing import Signer
from hypothesis import given
from hypothesis import strategies as st

from core.signers import batch_signer


@given(st.text())
def test_a_batch_signer_signs_exactly_as_djangos_signer(value: str) -> None:
    assert batch_signer("core.tokens.view")(value) == Signer(salt="core.tokens.view").sign(value)


def test_what_a_batch_signer_signs_unsigns_with_djangos_signer() -> None:
    token = batch_signer("core.tokens.manage")("abc:123")

    assert Signer(salt="core.tokens.manage").unsign(token) == "abc:123"
