"""Each chat service's post shape (pure): untrusted text shown as typed, never as markup."""

from digest.chat_formats import FORMATS, Item

SNEAKY = Item(
    title="<!channel> @everyone [click](https://evil.example) *bold* | pipe",
    url="https://arxiv.org/abs/2611.00001",
    authors=("Ada <Lovelace>",),
    abstract="x > y & **z**",
)


def test_slack_escapes_its_control_characters_so_no_one_is_pinged():
    text = FORMATS["slack"].parts("Team", [SNEAKY])[0]["blocks"][1]["text"]["text"]
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert text.startswith("*<https://arxiv.org/abs/2611.00001|")
    assert "x &gt; y &amp; **z**" in text
    assert text.count("|") == 1  # the one that ends the link's address


def test_discord_escapes_markdown_and_allows_no_mentions():
    message = FORMATS["discord"].parts("Team", [SNEAKY])[0]
    assert message["allowed_mentions"] == {"parse": []}
    title = message["embeds"][0]["title"]
    assert r"\[click\]\(https\:" in title and r"\*bold\*" in title


def test_teams_sends_an_adaptive_card_with_escaped_text():
    message = FORMATS["teams"].parts("Team", [SNEAKY])[0]
    attachment = message["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    container = attachment["content"]["body"][1]
    assert r"\[click\]" in container["items"][0]["text"]
    assert container["selectAction"]["url"] == SNEAKY.url


def test_the_generic_webhook_gets_plain_text_numbered_parts():
    long = "x" * 100_000
    items = [Item(title=f"Paper {n}", url="https://a.example", abstract=long) for n in range(5)]
    parts = FORMATS["webhook"].parts("Team", items)
    assert [(p["part"], p["parts"]) for p in parts] == [(1, 3), (2, 3), (3, 3)]
    assert [len(p["papers"]) for p in parts] == [2, 2, 1]
    assert parts[0]["papers"][0]["abstract"] == long


def test_a_paper_with_huge_texts_still_fits_each_service():
    huge = Item(title="T<" * 2500, url="https://a", authors=("A",) * 50, abstract="*" * 9000)
    for chat_format in FORMATS.values():
        parts = chat_format.parts("Team", [huge] * 40)
        assert all(chat_format.fits(part) for part in parts)
        assert 1 < len(parts) < 40 or chat_format is FORMATS["webhook"]
