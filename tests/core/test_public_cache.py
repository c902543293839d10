"""Public pages a browser or a reverse proxy may keep: anonymous visitors get an ETag and
``Cache-Control: public, no-cache``; asking again with the tag answers 304 until the data the
page shows changes; signed-in users and pages holding a session's token are never shared."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.extensions import db
from core.notifications.models import Notification
from core.public_cache import DataVersion
from craftsmen.models import CraftsmanTitle, NominationState
from tests import factories
from tests.craftsmen.conftest import make_cycle, make_nomination


def name_craftsman(world, name: str) -> None:
    cycle = make_cycle(status="closed", title=f"{name}的届次")
    worker = factories.worker(world.ent_a, name=name)
    nomination = make_nomination(cycle, worker.id, state=NominationState.NAMED)
    db.session.add(CraftsmanTitle(
        nomination_id=nomination.id, worker_id=worker.id, cycle_id=cycle.id, name=name, title="北京大工匠",
        level="city", year=2026, occupation="钳工", enterprise_name="朝阳精工有限公司", district="朝阳区",
        named_on=date(2026, 9, 1)))
    db.session.commit()


@pytest.fixture
def registry(app, world):
    with app.app_context():
        name_craftsman(world, "张伟")
    return world


def test_a_visitor_gets_a_tag_and_a_cache_control_that_lets_a_proxy_keep_the_page(client, registry):
    response = client.get("/registry")
    assert response.status_code == 200
    assert response.headers["ETag"].startswith('W/"')
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers
    assert 'name="csrf_token"' not in response.get_data(as_text=True)


def test_asking_again_with_the_tag_answers_304_with_the_security_headers(client, registry):
    tag = client.get("/registry").headers["ETag"]
    response = client.get("/registry", headers={"If-None-Match": tag})
    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == tag
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["X-Frame-Options"] == "DENY"


def test_naming_a_craftsman_changes_the_registry_tag(app, client, registry):
    tag = client.get("/registry").headers["ETag"]
    with app.app_context():
        name_craftsman(registry, "王芳")
    response = client.get("/registry", headers={"If-None-Match": tag})
    assert response.status_code == 200
    assert response.headers["ETag"] != tag
    assert "王芳" in response.get_data(as_text=True)


def test_each_address_has_its_own_tag(client, registry):
    first = client.get("/registry").headers["ETag"]
    searched = client.get("/registry?q=张")
    assert searched.headers["ETag"] != first
    assert client.get("/registry?q=张", headers={"If-None-Match": first}).status_code == 200


def test_writes_no_public_page_shows_leave_the_tags_alone(app, client, registry):
    tag = client.get("/registry").headers["ETag"]
    with app.app_context():
        before = dict(db.session.execute(select(DataVersion.feature, DataVersion.version)).all())
        db.session.add(Notification(user_id=registry.users.admin, kind="panel.assigned"))
        db.session.commit()
        after = dict(db.session.execute(select(DataVersion.feature, DataVersion.version)).all())
    assert after == before
    assert client.get("/registry", headers={"If-None-Match": tag}).status_code == 304


def test_a_rolled_back_change_bumps_no_version(app, registry):
    with app.app_context():
        before = db.session.scalar(select(DataVersion.version).where(DataVersion.feature == "craftsmen"))
        title = db.session.scalars(select(CraftsmanTitle)).first()
        title.occupation = "焊工"
        db.session.flush()
        db.session.rollback()
        db.session.commit()
        after = db.session.scalar(select(DataVersion.version).where(DataVersion.feature == "craftsmen"))
    assert after == before


def test_a_bulk_update_is_a_change_too(app, registry):
    from sqlalchemy import update

    with app.app_context():
        before = db.session.scalar(select(DataVersion.version).where(DataVersion.feature == "craftsmen"))
        db.session.execute(update(CraftsmanTitle).values(occupation="焊工"))
        db.session.commit()
        after = db.session.scalar(select(DataVersion.version).where(DataVersion.feature == "craftsmen"))
    assert after != before


def test_signed_in_users_get_no_store_and_never_a_304(client, login, registry):
    tag = client.get("/registry").headers["ETag"]
    login(registry.users.admin)
    response = client.get("/registry", headers={"If-None-Match": tag})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers


def test_the_language_is_part_of_the_tag(client, registry):
    chinese = client.get("/registry").headers["ETag"]
    switched = client.get("/language?lang=en&next=/registry")
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/registry")
    english = client.get("/registry", headers={"If-None-Match": chinese})
    assert english.status_code == 200
    assert english.headers["ETag"] != chinese
    assert '<html lang="en">' in english.get_data(as_text=True)


def test_visitors_switch_language_with_a_get_form_and_unknown_codes_are_refused(client, registry):
    html = client.get("/registry").get_data(as_text=True)
    assert 'method="get" action="/language"' in html
    response = client.get("/language?lang=xx")
    assert response.status_code == 400
    assert "不支持的语言：xx" in response.get_data(as_text=True)


def test_signed_in_users_switch_language_by_the_csrf_protected_form_only(client, login, registry):
    login(registry.users.admin)
    assert client.get("/language?lang=en&next=/registry").status_code == 405
    assert 'name="csrf_token"' in client.get("/registry").get_data(as_text=True)


def test_a_page_with_a_flashed_message_is_not_shared(client, registry):
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "已提交")]
    response = client.get("/registry")
    assert "ETag" not in response.headers
    assert "public" not in response.headers.get("Cache-Control", "")


def test_a_visitor_page_is_served_from_the_process_store_until_the_data_changes(
        app, client, registry, monkeypatch):
    from core.public_cache import pages

    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE_ENTRIES", 64)

    first = client.get("/registry")
    with app.app_context():  # a change made behind the ORM's back: the store does not see it
        db.session.execute(CraftsmanTitle.__table__.update().values(occupation="模具工"))
        db.session.commit()
    kept = client.get("/registry")
    assert kept.get_data() == first.get_data() and "模具工" not in kept.get_data(as_text=True)
    assert pages.get(first.headers["ETag"].removeprefix('W/"').removesuffix('"')) is not None
    with app.app_context():
        title = db.session.scalars(select(CraftsmanTitle)).first()
        title.occupation = "焊工"
        db.session.commit()
    changed = client.get("/registry")
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert "焊工" in changed.get_data(as_text=True)


def test_the_store_can_be_turned_off(app, client, registry, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE_ENTRIES", 0)
    from core.public_cache import pages

    pages.clear()
    tag = client.get("/registry").headers["ETag"]
    assert pages.get(tag.removeprefix('W/"').removesuffix('"')) is None


def test_the_store_drops_the_least_recently_used_pages_past_its_bytes():
    from core.public_cache import PageStore

    store = PageStore()
    store.put("a", b"x" * 400, "text/html", limit=64, max_bytes=1000)
    store.put("b", b"x" * 400, "text/html", limit=64, max_bytes=1000)
    assert store.get("a") is not None  # "a" is now the more recently used
    store.put("c", b"x" * 400, "text/html", limit=64, max_bytes=1000)
    assert store.get("b") is None and store.get("a") is not None and store.get("c") is not None
    assert store.size == 800
    store.put("c", b"x" * 100, "text/html", limit=64, max_bytes=1000)  # the same tag kept anew
    assert store.size == 500


def test_a_page_larger_than_the_whole_store_is_not_kept():
    from core.public_cache import PageStore

    store = PageStore()
    store.put("small", b"x" * 10, "text/html", limit=64, max_bytes=100)
    store.put("large", b"x" * 101, "text/html", limit=64, max_bytes=100)
    assert store.get("large") is None and store.get("small") is not None and store.size == 10


def test_a_worker_keeps_no_more_visitor_pages_than_its_bytes_allow(app, client, registry, monkeypatch):
    from core.public_cache import pages

    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE_ENTRIES", 64)
    pages.clear()
    size = len(client.get("/registry").get_data())
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE_BYTES", size * 2)
    for query in ("甲", "乙", "丙"):
        assert client.get("/registry?q=" + query).status_code == 200
    assert pages.get(client.get("/registry").headers["ETag"].removeprefix('W/"').removesuffix('"')) is not None
    assert 0 < pages.size <= size * 2
    pages.clear()


@pytest.fixture
def versions_kept_a_minute(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_CACHE_VERSION_SECONDS", 60)
    app.extensions["public_cache.versions"].clear()
    yield
    app.extensions["public_cache.versions"].clear()


def test_a_process_sees_its_own_commits_at_once_while_it_keeps_the_versions(
        app, client, registry, versions_kept_a_minute):
    tag = client.get("/registry").headers["ETag"]
    with app.app_context():
        name_craftsman(registry, "王芳")
    response = client.get("/registry", headers={"If-None-Match": tag})
    assert response.status_code == 200 and "王芳" in response.get_data(as_text=True)


def test_another_process_s_change_shows_once_the_kept_versions_expire(
        app, client, registry, versions_kept_a_minute, monkeypatch):
    from core import public_cache

    tag = client.get("/registry").headers["ETag"]
    with app.app_context(), db.engine.begin() as connection:  # as another process would
        connection.execute(DataVersion.__table__.update().where(DataVersion.feature == "craftsmen")
                           .values(version=DataVersion.version + 1))
    assert client.get("/registry", headers={"If-None-Match": tag}).status_code == 304
    later = public_cache.time.monotonic() + 61
    monkeypatch.setattr(public_cache.time, "monotonic", lambda: later)
    assert client.get("/registry", headers={"If-None-Match": tag}).status_code == 200


def _options(html: str, name: str) -> list[str]:
    import re

    select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]+)"', select_html)


def test_the_registry_filter_options_follow_a_change_to_the_registry(app, client, registry):
    assert _options(client.get("/registry").get_data(as_text=True), "occupation") == ["钳工"]
    with app.app_context():
        title = db.session.scalars(select(CraftsmanTitle)).first()
        title.occupation = "焊工"
        db.session.commit()
    assert _options(client.get("/registry").get_data(as_text=True), "occupation") == ["焊工"]


def test_the_filter_options_are_kept_while_the_registry_data_stays_the_same(app, client, registry):
    client.get("/registry")
    with app.app_context():  # behind the ORM's back: no version moves, the kept list stays
        db.session.execute(CraftsmanTitle.__table__.update().values(occupation="模具工"))
        db.session.commit()
    html = client.get("/registry?q=张").get_data(as_text=True)
    assert _options(html, "occupation") == ["钳工"] and "模具工" in html  # the rows are read anew


def test_the_studio_directory_district_options_follow_a_renamed_union(app, client, world):
    from core.organizations.models import Union

    before = client.get("/studio-directory/").get_data(as_text=True)
    with app.app_context():
        union = db.session.get(Union, world.chaoyang)
        assert union.name in before
        union.name = "朝阳区总工会（新）"
        db.session.commit()
    assert "朝阳区总工会（新）" in client.get("/studio-directory/").get_data(as_text=True)


def test_the_menu_is_in_the_language_of_each_request(client, registry):
    chinese = client.get("/registry").get_data(as_text=True)
    client.get("/language?lang=en&next=/registry")
    english = client.get("/registry").get_data(as_text=True)
    assert ">工匠名录</a>" in chinese and ">工匠名录</a>" not in english
    assert ">Craftsman registry</a>" in english
    client.get("/language?lang=zh&next=/registry")
    assert client.get("/registry").get_data(as_text=True).count('class="nav-link text-nowrap active"') == 1


def test_a_visitor_never_gets_a_signed_in_user_s_menu_nor_the_other_way_round(
        app, client, login, registry):
    visitor_first = client.get("/registry").get_data(as_text=True)
    other = app.test_client()
    login(registry.users.admin, as_client=other)
    admin = other.get("/registry").get_data(as_text=True)
    visitor_after = client.get("/registry").get_data(as_text=True)
    assert ">审计日志</a>" in admin
    assert ">审计日志</a>" not in visitor_first and ">审计日志</a>" not in visitor_after
    login(registry.users.enterprise, as_client=other)
    assert ">审计日志</a>" not in other.get("/registry").get_data(as_text=True)
