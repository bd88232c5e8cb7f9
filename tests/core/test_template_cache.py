"""The template environment keeps every template it loaded, in a plain dictionary
(core/templating.Environment): no lock nor queue at each lookup, nothing loaded twice."""

from __future__ import annotations


def test_templates_are_kept_in_a_dict(app) -> None:
    environment = app.jinja_env
    assert type(environment.cache) is dict
    first = environment.get_template("base.html")
    assert environment.get_template("base.html") is first
