"""Row links built once per page are the links url_for builds for each row."""

from __future__ import annotations

import pytest
from flask import url_for

from core.row_urls import RowUrl


def test_a_row_url_is_the_url_for_of_each_row(app):
    with app.test_request_context("/"):
        studio = RowUrl("studio_public.studio", "studio_id")
        title = RowUrl("craftsmen_public.title_detail", "title_id")
        for row_id in (1, 42, 2_147_483_647):
            assert studio(row_id) == url_for("studio_public.studio", studio_id=row_id)
            assert title(row_id) == url_for("craftsmen_public.title_detail", title_id=row_id)


def test_a_row_url_takes_only_integer_ids(app):
    with app.test_request_context("/"):
        studio = RowUrl("studio_public.studio", "studio_id")
        with pytest.raises(ValueError):
            studio("1/../../admin")

