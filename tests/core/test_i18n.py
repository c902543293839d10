"""Chinese is the source language and the default; English is complete and chosen per user.

The catalog tests read the source tree as it is now, so a new ``_("...")`` without an
English translation fails here rather than showing Chinese to English users.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, check_and_call_extract_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.conftest import csrf_token

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = PROJECT_ROOT / "translations"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
EN_MO = EN_PO.with_suffix(".mo")

#: The same inputs and keywords as ``make extract-messages``.
SOURCE_DIRS = ("core", "craftsmen", "competitions", "innovation_studios", "certificates", "indicators", "api",
               "templates")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2)}

PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


@pytest.fixture(scope="module", autouse=True)
def compiled_catalog(app):
    """Compile the English catalog when the .mo is missing or stale, as ``make translations`` does."""
    if not EN_MO.exists() or EN_MO.stat().st_mtime < EN_PO.stat().st_mtime:
        with EN_PO.open("rb") as po_file:
            catalog = read_po(po_file, locale="en")
        with EN_MO.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        # Forget any catalog Flask-Babel loaded before this one was compiled.
        with app.app_context():
            app.extensions["babel"].instance.domain_instance.cache.clear()


def _english_catalog():
    with EN_PO.open("rb") as po_file:
        return read_po(po_file, locale="en")


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string or "",)


def _extract_source_msgids() -> set[str]:
    """Every msgid in the source tree, with babel.cfg's patterns read from the project root."""
    with (PROJECT_ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    msgids: set[str] = set()
    for name in SOURCE_DIRS:
        top = PROJECT_ROOT / name
        if not top.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = [d for d in dirnames if not d.startswith((".", "_"))]
            for filename in filenames:
                for _file, _line, message, _comments, _context in check_and_call_extract_file(
                        os.path.join(dirpath, filename), method_map, options_map, None, KEYWORDS,
                        (), False, dirpath=str(PROJECT_ROOT)):
                    msgids.add(message[0] if isinstance(message, tuple) else message)
    return msgids


def _page_language(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))
    assert match, "page has no <html lang=...>"
    return match.group(1)


def _switch_language(client, code: str, next_path: str = "/login", **kwargs):
    return client.post("/language", data={"lang": code, "next": next_path,
                                          "csrf_token": csrf_token(client, next_path)}, **kwargs)


def _session_language(client):
    with client.session_transaction() as session:
        return session.get("lang")


def test_every_ui_string_has_an_english_translation():
    source_msgids = _extract_source_msgids()
    assert source_msgids, "no messages extracted: is babel.cfg right?"
    catalog = _english_catalog()
    translated = {m.id[0] if isinstance(m.id, tuple) else m.id
                  for m in catalog if m.id and all(_strings(m))}
    fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
    missing = sorted(source_msgids - translated)
    assert not missing, (
        f"{len(missing)} UI string(s) have no English translation in {EN_PO.relative_to(PROJECT_ROOT)}:\n  "
        + "\n  ".join(missing)
        + "\nRun `make extract-messages`, then fill in msgstr for each of these.")
    assert not fuzzy, f"fuzzy translations are not used at run time; review and unflag: {fuzzy}"


def test_placeholders_match_in_translations():
    catalog = _english_catalog()
    mismatched = []
    for message in catalog:
        if not message.id:
            continue
        wanted = set().union(*(PLACEHOLDER.findall(msgid) for msgid in _ids(message)))
        for string in _strings(message):
            if string and set(PLACEHOLDER.findall(string)) != wanted:
                mismatched.append(f"{_ids(message)[0]!r} -> {string!r}")
    assert not mismatched, "translations must keep the msgid's %(name)s placeholders:\n  " + "\n  ".join(
        mismatched)
    problems = [f"{message.id!r}: {errors}" for message, errors in catalog.check()]
    assert not problems, "catalog check failed:\n  " + "\n  ".join(problems)


def test_chinese_is_the_default_language(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert _page_language(response) == "zh-CN"
    assert "登录" in response.get_data(as_text=True)


def test_browser_accept_language_english_is_honoured(client):
    response = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    html = response.get_data(as_text=True)
    assert _page_language(response) == "en"
    assert "Log in" in html
    assert "登录" not in html


def test_switching_language_is_remembered_in_the_session(client):
    response = _switch_language(client, "en")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert _session_language(client) == "en"

    english = client.get("/login")
    assert _page_language(english) == "en"
    assert "Log in" in english.get_data(as_text=True)

    # The choice wins over the browser's preference, and switching back works the same way.
    response = _switch_language(client, "zh", headers={"Accept-Language": "en"})
    assert response.status_code == 302
    chinese = client.get("/login", headers={"Accept-Language": "en"})
    assert _page_language(chinese) == "zh-CN"
    assert "登录" in chinese.get_data(as_text=True)
    assert _session_language(client) == "zh"


def test_unknown_language_code_is_refused_with_400(client):
    response = _switch_language(client, "xx")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert _page_language(response) == "zh-CN"
    assert "不支持的语言：xx" in html
    assert _session_language(client) is None
    assert _page_language(client.get("/login")) == "zh-CN"


def test_language_switch_without_csrf_token_is_refused(client):
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    assert _session_language(client) is None
    assert _page_language(client.get("/login")) == "zh-CN"


def test_template_messages_are_kept_per_language_and_fill_their_placeholders_escaped(app):
    template = app.jinja_env.from_string("{{ _('工匠名录') }}|{{ _('已于 %(d)s 撤销', d='<b>') }}")
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        chinese = template.render()
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = template.render()
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        again = template.render()
    assert chinese == again and chinese.startswith("工匠名录|")
    assert english.startswith("Craftsman registry|") and "工匠名录" not in english
    assert chinese.endswith("已于 &lt;b&gt; 撤销") and english.endswith("Revoked on &lt;b&gt;")
