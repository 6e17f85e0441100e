from core.addresses import clean_address, counting_key, is_quoted


def test_spellings_of_one_gmail_inbox_count_as_one() -> None:
    spellings = ["ada@gmail.com", "A.da@Gmail.com", "ada+news@gmail.com", " a.d.a+x@GMAIL.COM "]

    assert {counting_key(s) for s in spellings} == {"ada@gmail.com"}


def test_different_people_count_apart() -> None:
    assert counting_key("ada@example.com") != counting_key("bob@example.com")


def test_the_stored_address_keeps_the_local_part_and_lowers_the_domain() -> None:
    assert clean_address("  Ada.Lovelace@Example.COM ") == "Ada.Lovelace@example.com"


def test_unicode_and_punycode_spellings_of_a_domain_are_one_address() -> None:
    spellings = ["ada@Bücher.example", "ada@xn--bcher-kva.example", "ada@XN--BCHER-KVA.example"]

    assert {clean_address(s) for s in spellings} == {"ada@xn--bcher-kva.example"}
    assert {counting_key(s) for s in spellings} == {"ada@xn--bcher-kva.example"}


def test_quoted_local_parts_count_as_the_mailbox_they_spell() -> None:
    spellings = [
        '"mallory.victim"@example.com',
        '"mallory\\.victim"@example.com',
        '"M\\allory"@Example.com',
    ]

    assert {counting_key(s) for s in spellings} == {
        "malloryvictim@example.com",
        "mallory@example.com",
    }
    assert counting_key('"q\\uoted"@example.com') == counting_key("quoted@example.com")


def test_only_a_quoted_local_part_is_quoted() -> None:
    assert is_quoted(' "ada"@example.com')
    assert not is_quoted("ada@example.com")
    assert not is_quoted("o'hara@example.com")


def test_a_domain_the_idna_codec_refuses_is_only_lowered() -> None:
    assert clean_address("ada@" + "x" * 64 + ".Example") == "ada@" + "x" * 64 + ".example"
