"""Settings read from the environment."""

from pathlib import Path

from consultation.config import Defaults, from_environment


def test_public_url_follows_the_port_of_the_development_server():
    """`PORT=8000 make run`: the links in emails lead to port 8000, not to 5000."""
    assert from_environment({"PORT": "8000"})["PUBLIC_URL"] == "http://127.0.0.1:8000"
    assert "PUBLIC_URL" not in from_environment({})
    assert Defaults.PUBLIC_URL == "http://127.0.0.1:5000"


def test_a_public_url_given_wins_over_the_port():
    """A PUBLIC_URL set in the environment is kept, and production never guesses one."""
    given = {"PORT": "8000", "PUBLIC_URL": "https://consultation.brest.fr"}
    assert from_environment(given)["PUBLIC_URL"] == "https://consultation.brest.fr"
    assert "PUBLIC_URL" not in from_environment({"PORT": "8000", "APP_ENV": "production"})
    for port in ("abc", "0", "70000", "٨٠٠٠"):
        assert "PUBLIC_URL" not in from_environment({"PORT": port})


def test_make_run_hands_its_port_to_the_app():
    """The Makefile exports PORT, so that the app it starts reads the same port."""
    makefile = (Path(__file__).parents[2] / "Makefile").read_text()
    assert "\nexport PORT\n" in makefile


def test_request_size_limits_are_set_and_read_from_the_environment():
    """The size limits have values (Flask's own defaults set no body limit) and the
    environment may change them: nginx's client_max_body_size follows MAX_CONTENT_LENGTH."""
    assert Defaults.MAX_CONTENT_LENGTH == 2 * 1024 * 1024
    assert Defaults.MAX_CONTENT_LENGTH < Defaults.MAX_CONTENT_LENGTH_LARGE_FORMS
    assert Defaults.MAX_FORM_MEMORY_SIZE < Defaults.MAX_CONTENT_LENGTH
    assert Defaults.MAX_FORM_PARTS == 1000
    found = from_environment({
        "MAX_CONTENT_LENGTH": "1048576", "MAX_CONTENT_LENGTH_LARGE_FORMS": "8388608",
        "MAX_FORM_MEMORY_SIZE": "262144", "MAX_FORM_PARTS": "500",
    })
    assert found == {"MAX_CONTENT_LENGTH": 1048576, "MAX_CONTENT_LENGTH_LARGE_FORMS": 8388608,
                     "MAX_FORM_MEMORY_SIZE": 262144, "MAX_FORM_PARTS": 500}
