import pytest


@pytest.mark.browser
def test_the_admin_login_page_renders_in_chromium(live_server, page, artefacts) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.screenshot(path=str(artefacts / "admin-login.png"))

    assert page.get_by_label("Username").is_visible()
