from core.addresses import clean_address, counting_key


def test_spellings_of_one_gmail_inbox_count_as_one() -> None:
    spellings = ["ada@gmail.com", "A.da@Gmail.com", "ada+news@gmail.com", " a.d.a+x@GMAIL.COM "]

    assert {counting_key(s) for s in spellings} == {"ada@gmail.com"}


def test_different_people_count_apart() -> None:
    assert counting_key("ada@example.com") != counting_key("bob@example.com")


def test_the_stored_address_keeps_the_local_part_and_lowers_the_domain() -> None:
    assert clean_address("  Ada.Lovelace@Example.COM ") == "Ada.Lovelace@example.com"
