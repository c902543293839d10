"""Nominations: an enterprise nominates its own workers inside the window and within the rules;
evidence files are checked by content and served only to those who may see the nomination;
the union reviewer of the enterprise's unions approves, returns or rejects with a reason;
qualified nominees form the talent pool; workers follow their own nominations."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from core.accounts.models import User
from core.audit.models import AuditEntry
from core.extensions import db
from core.organizations.models import Enterprise
from core.people.models import Worker
from core.timeutil import utcnow
from craftsmen.models import (
    Nomination,
    NominationAchievement,
    NominationAttachment,
    NominationState,
    SelectionCycle,
)
from craftsmen.services import nominations as services
from tests import factories
from tests.craftsmen.conftest import make_cycle, make_nomination

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 40
BASE = "/craftsmen/nominations"


@pytest.fixture
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def upload_dir(app, tmp_path) -> Path:
    """A private upload folder; the upload limits are restored afterwards."""
    saved = {k: app.config[k] for k in ("UPLOAD_FOLDER", "UPLOAD_MAX_FILE_BYTES",
                                        "UPLOAD_MAX_TOTAL_BYTES")}
    folder = tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = str(folder)
    yield folder
    app.config.update(saved)


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _file(content: bytes = PDF, name: str = "获奖证书.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(content), filename=name)


def _stored_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.exists() else []


def _draft(app, world, cycle_id: int, *, worker_id: int | None = None, occupation: str = "钳工",
           complete: bool = True, by: int | None = None) -> int:
    """A draft made through the services; ``complete`` adds a statement and one proven
    achievement, so that an eligible worker's draft can be submitted."""
    with app.app_context():
        cycle = db.session.get(SelectionCycle, cycle_id)
        worker = db.session.get(Worker, worker_id or world.worker_a)
        by_user = _user(by or world.users.enterprise)
        occupation_id = next(o.id for o in cycle.occupations if o.name == occupation)
        nomination = services.create_draft(cycle, worker, occupation_id, by=by_user,
                                           statement="扎根一线二十年，攻克多项加工难题。" if complete else "")
        if complete:
            services.add_achievement(nomination, services.AchievementData(
                kind="competition", title="2023年北京市职工职业技能大赛钳工一等奖",
                achieved_on=date(2023, 10, 20)), evidence=_file(), by=by_user)
        db.session.commit()
        return nomination.id


def _submitted(app, world, cycle_id: int, **kwargs) -> int:
    nomination_id = _draft(app, world, cycle_id, **kwargs)
    with app.app_context():
        nomination = db.session.get(Nomination, nomination_id)
        services.submit(nomination, expected_version=nomination.version, by=_user(kwargs.get("by")
                                                                       or world.users.enterprise))
        db.session.commit()
    return nomination_id


def _state(app, nomination_id: int) -> str:
    with app.app_context():
        return db.session.get(Nomination, nomination_id).state


def _version(app, nomination_id: int) -> str:
    with app.app_context():
        return str(db.session.get(Nomination, nomination_id).version)


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def _set_cycle(app, cycle_id: int, **values) -> None:
    with app.app_context():
        cycle = db.session.get(SelectionCycle, cycle_id)
        for name, value in values.items():
            setattr(cycle, name, value)
        db.session.commit()


# Nominating ------------------------------------------------------------------------------

def test_enterprise_nominates_its_own_worker_as_a_draft(app, world, open_cycle, client, login,
                                                        no_csrf):
    login(world.users.enterprise)
    response = client.post(f"{BASE}/new", data={"cycle_id": open_cycle.id,
                                                "worker_id": world.worker_a,
                                                "occupation_id": open_cycle.fitter})
    assert response.status_code == 302
    with app.app_context():
        nomination = db.session.scalar(select(Nomination))
        assert response.headers["Location"].endswith(f"{BASE}/{nomination.id}")
        assert (nomination.state, nomination.enterprise_id) == ("draft", world.ent_a)
        assert db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "nomination.create")).target_id == nomination.id


def test_nominating_another_enterprises_worker_is_forbidden(app, world, open_cycle, client, login,
                                                            no_csrf):
    login(world.users.enterprise)
    response = client.post(f"{BASE}/new", data={"cycle_id": open_cycle.id,
                                                "worker_id": world.worker_b,
                                                "occupation_id": open_cycle.fitter})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Nomination)) == 0
        with pytest.raises(services.DomainError, match="只能推荐本单位的职工"):
            services.create_draft(db.session.get(SelectionCycle, open_cycle.id),
                                  db.session.get(Worker, world.worker_b), open_cycle.fitter,
                                  by=_user(world.users.enterprise))


def test_duplicate_nomination_in_the_same_cycle_is_refused_with_a_clear_message(
        app, world, open_cycle, client, login, no_csrf):
    first = _draft(app, world, open_cycle.id, complete=False)
    login(world.users.enterprise)
    response = client.post(f"{BASE}/new", data={"cycle_id": open_cycle.id,
                                                "worker_id": world.worker_a,
                                                "occupation_id": open_cycle.welder})
    assert response.status_code == 302
    assert any("同一周期每人只能被推荐一次" in m and "李明" in m for m in _flashes(client))
    with app.app_context():
        assert db.session.scalars(select(Nomination.id)).all() == [first]
        assert db.session.get(Nomination, first).occupation.name == "钳工"  # nothing lost


def test_nominate_page_lists_the_rules_each_worker_fails(app, world, open_cycle, client, login):
    with app.app_context():
        novice = factories.worker(world.ent_a, name="周新人", years_in_occupation=2,
                                  skill_level="level_4")
        db.session.commit()
        novice_id = novice.id
    login(world.users.enterprise)
    html = client.get(f"{BASE}/new?cycle_id={open_cycle.id}").get_data(as_text=True)
    failures = re.search(rf'data-testid="failures-{novice_id}">(.*?)</ul>', html, re.S).group(1)
    assert "从事本工种不满 5 年（现为 2 年）" in failures
    assert "技能等级须达到" in failures
    assert f'data-testid="failures-{world.worker_a}"' not in html  # 李明 meets every rule
    assert "王芳" not in html  # only the enterprise's own workers are offered


def test_nominate_page_says_when_no_cycle_is_open(app, world, client, login):
    with app.app_context():
        make_cycle(status="draft")
        db.session.commit()
    login(world.users.enterprise)
    assert "当前没有开放推荐的选树周期" in client.get(f"{BASE}/new").get_data(as_text=True)


def _local_cycle(app, title: str, level: str, organizer_union_id: int) -> int:
    """An open district or industry cycle organised by the given union."""
    with app.app_context():
        cycle = make_cycle(title=title)
        cycle.level, cycle.organizer_union_id = level, organizer_union_id
        db.session.commit()
        return cycle.id


def test_district_and_industry_cycles_take_nominations_only_from_their_organisers_enterprises(
        app, world, client, login, no_csrf):
    """朝阳精工 is under 朝阳; 海淀机械 under 海淀 and the machinery industry union."""
    chaoyang = _local_cycle(app, "2026年朝阳工匠选树", "district", world.chaoyang)
    machinery = _local_cycle(app, "2026年机械冶金建材行业工匠选树", "industry", world.machinery)
    login(world.users.enterprise)
    html = client.get(f"{BASE}/new").get_data(as_text=True)
    assert "2026年朝阳工匠选树" in html and "机械冶金建材行业工匠选树" not in html
    login(world.users.other_enterprise)
    html = client.get(f"{BASE}/new?cycle_id={chaoyang}").get_data(as_text=True)
    assert "机械冶金建材行业工匠选树" in html and "2026年朝阳工匠选树" not in html

    client.post(f"{BASE}/new", data={"cycle_id": chaoyang, "worker_id": world.worker_b,
                                     "occupation_id": _occupation_id(app, chaoyang, "钳工")})
    assert any("“2026年朝阳工匠选树”由朝阳区总工会主办，只接受朝阳区总工会所属单位的推荐" in m
               for m in _flashes(client))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Nomination)) == 0
        cycle = db.session.get(SelectionCycle, chaoyang)
        with pytest.raises(services.DomainError, match="只接受朝阳区总工会所属单位的推荐"):
            services.create_draft(cycle, db.session.get(Worker, world.worker_b),
                                  _occupation_id(app, chaoyang, "钳工"), by=_user(world.users.other_enterprise))
        assert not services.accepts_drafts(cycle, db.session.get(Worker, world.worker_b).enterprise)
    assert _draft(app, world, machinery, worker_id=world.worker_b, complete=False,
                  by=world.users.other_enterprise)
    assert _draft(app, world, chaoyang, complete=False)


def _occupation_id(app, cycle_id: int, name: str) -> int:
    with app.app_context():
        return next(o.id for o in db.session.get(SelectionCycle, cycle_id).occupations if o.name == name)


def test_city_cycles_are_open_to_every_enterprise(app, world, open_cycle):
    with app.app_context():
        for enterprise_id in (world.ent_a, world.ent_b, world.ent_c):
            enterprise = db.session.get(Enterprise, enterprise_id)
            assert [c.id for c in services.open_cycles(enterprise)] == [open_cycle.id]


# Drafts and submission -------------------------------------------------------------------

def test_complete_eligible_draft_is_submitted_and_audited(app, world, open_cycle, upload_dir,
                                                          client, login, no_csrf):
    nomination_id = _draft(app, world, open_cycle.id)
    login(world.users.enterprise)
    assert "材料齐全，符合全部参评条件" in client.get(f"{BASE}/{nomination_id}").get_data(as_text=True)
    response = client.post(f"{BASE}/{nomination_id}/submit",
                           data={"version": _version(app, nomination_id)})
    assert response.status_code == 302
    assert _state(app, nomination_id) == "submitted"
    with app.app_context():
        assert db.session.get(Nomination, nomination_id).submitted_at is not None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "nomination.submit"))
        assert entry.changes["state"] == ["draft", "submitted"]


def test_ineligible_worker_shows_reasons_and_submission_is_refused(app, world, open_cycle,
                                                                   upload_dir, client, login,
                                                                   no_csrf):
    with app.app_context():
        novice = factories.worker(world.ent_a, name="周新人", years_in_occupation=2,
                                  skill_level="level_4", in_post=False)
        db.session.commit()
        novice_id = novice.id
    nomination_id = _draft(app, world, open_cycle.id, worker_id=novice_id)
    login(world.users.enterprise)
    page = client.get(f"{BASE}/{nomination_id}").get_data(as_text=True)
    problems = re.search(r'data-testid="submission-problems">(.*?)</ul>', page, re.S).group(1)
    for reason in ("从事本工种不满 5 年", "技能等级须达到", "须仍在岗"):
        assert reason in problems
    client.post(f"{BASE}/{nomination_id}/submit", data={"version": _version(app, nomination_id)})
    message = " ".join(_flashes(client))
    assert "不能提交" in message and "从事本工种不满 5 年" in message and "须仍在岗" in message
    assert _state(app, nomination_id) == "draft"


def test_nomination_for_another_occupation_than_the_workers_is_refused_until_the_record_agrees(
        app, world, open_cycle, upload_dir, client, login, no_csrf):
    """李明 is registered as 钳工: his years cannot vouch for 焊工."""
    nomination_id = _draft(app, world, open_cycle.id, occupation="焊工")
    message = "被推荐工种（焊工）与职工登记的工种（钳工）不一致，从事年限无法核实"
    login(world.users.enterprise)
    page = client.get(f"{BASE}/{nomination_id}").get_data(as_text=True)
    assert message in re.search(r'data-testid="submission-problems">(.*?)</ul>', page, re.S).group(1)
    client.post(f"{BASE}/{nomination_id}/submit", data={"version": _version(app, nomination_id)})
    assert any("不能提交" in m and message in m for m in _flashes(client))
    assert _state(app, nomination_id) == "draft"
    with app.app_context():  # the enterprise corrects the worker record, then submits
        db.session.get(Worker, world.worker_a).occupation = "焊工"
        db.session.commit()
    client.post(f"{BASE}/{nomination_id}/submit", data={"version": _version(app, nomination_id)})
    assert _state(app, nomination_id) == "submitted"


def test_nominate_page_flags_workers_whose_occupation_the_cycle_lacks(app, world, open_cycle, client,
                                                                       login):
    with app.app_context():
        electrician = factories.worker(world.ent_a, name="郑电工", occupation="电工")
        db.session.commit()
        electrician_id = electrician.id
    login(world.users.enterprise)
    html = client.get(f"{BASE}/new?cycle_id={open_cycle.id}").get_data(as_text=True)
    failures = re.search(rf'data-testid="failures-{electrician_id}">(.*?)</ul>', html, re.S).group(1)
    assert "被推荐工种（钳工）与职工登记的工种（电工）不一致" in failures
    assert f'data-testid="failures-{world.worker_a}"' not in html  # 钳工 for a 钳工


def test_incomplete_draft_cannot_be_submitted(app, world, open_cycle, client, login, no_csrf):
    nomination_id = _draft(app, world, open_cycle.id, complete=False)
    login(world.users.enterprise)
    client.post(f"{BASE}/{nomination_id}/submit", data={"version": _version(app, nomination_id)})
    message = " ".join(_flashes(client))
    assert "请填写个人陈述" in message and "请至少填写一项主要成果" in message
    assert _state(app, nomination_id) == "draft"


def test_achievement_without_evidence_blocks_submission(app, world, open_cycle, upload_dir):
    nomination_id = _draft(app, world, open_cycle.id)
    with app.app_context():
        nomination = db.session.get(Nomination, nomination_id)
        services.add_achievement(nomination, services.AchievementData(
            kind="patent", title="一种钻模快换装置", achieved_on=date(2022, 3, 1)),
            by=_user(world.users.enterprise))
        assert "成果“一种钻模快换装置”缺少证明材料" in services.submission_problems(nomination)


def test_late_submission_is_refused_and_the_draft_is_kept(app, world, open_cycle, upload_dir,
                                                         client, login, no_csrf):
    nomination_id = _draft(app, world, open_cycle.id)
    _set_cycle(app, open_cycle.id, nomination_closes=utcnow() - timedelta(minutes=1))
    login(world.users.enterprise)
    client.post(f"{BASE}/{nomination_id}/submit", data={"version": _version(app, nomination_id)})
    assert any("截止，不能再提交" in m for m in _flashes(client))
    with app.app_context():
        nomination = db.session.get(Nomination, nomination_id)
        assert nomination.state == "draft"
        assert nomination.statement and len(nomination.achievements) == 1
        assert len(nomination.attachments) == 1


def test_no_new_draft_after_the_window_closes(app, world, open_cycle, client, login, no_csrf):
    _set_cycle(app, open_cycle.id, nomination_closes=utcnow() - timedelta(minutes=1))
    login(world.users.enterprise)
    client.post(f"{BASE}/new", data={"cycle_id": open_cycle.id, "worker_id": world.worker_a,
                                     "occupation_id": open_cycle.fitter})
    assert any("当前不接受推荐" in m for m in _flashes(client))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Nomination)) == 0


def test_enterprise_limit_counts_nominations_submitted_or_later(app, world, open_cycle,
                                                                upload_dir):
    _set_cycle(app, open_cycle.id, max_per_enterprise=1)
    with app.app_context():
        colleague = factories.worker(world.ent_a, name="孙师傅")
        db.session.commit()
        colleague_id = colleague.id
    _submitted(app, world, open_cycle.id, worker_id=colleague_id)
    second = _draft(app, world, open_cycle.id)
    with app.app_context():
        nomination = db.session.get(Nomination, second)
        with pytest.raises(services.SubmissionRefused, match="本单位推荐名额已满"):
            services.submit(nomination, expected_version=nomination.version, by=_user(world.users.enterprise))


def test_drafts_and_rejected_nominations_take_no_place(app, world, open_cycle, upload_dir):
    _set_cycle(app, open_cycle.id, max_per_enterprise=1)
    with app.app_context():
        cycle = db.session.get(SelectionCycle, open_cycle.id)
        colleague = factories.worker(world.ent_a, name="孙师傅")
        other = factories.worker(world.ent_a, name="钱师傅")
        make_nomination(cycle, colleague.id, state=NominationState.REJECTED)
        make_nomination(cycle, other.id, state=NominationState.DRAFT)
        db.session.commit()
    nomination_id = _submitted(app, world, open_cycle.id)
    assert _state(app, nomination_id) == "submitted"


def test_union_limit_counts_every_enterprise_of_the_union(app, world, open_cycle, upload_dir):
    """海淀机械 (ent_b) and 海淀软件 (ent_c) share the 海淀 district union."""
    _set_cycle(app, open_cycle.id, max_per_union=1)
    with app.app_context():
        make_nomination(db.session.get(SelectionCycle, open_cycle.id), world.worker_c,
                        state=NominationState.SUBMITTED)
        db.session.commit()
    nomination_id = _draft(app, world, open_cycle.id, worker_id=world.worker_b,
                           by=world.users.other_enterprise)
    with app.app_context():
        nomination = db.session.get(Nomination, nomination_id)
        with pytest.raises(services.SubmissionRefused, match="所属工会推荐名额已满"):
            services.submit(nomination, expected_version=nomination.version,
                            by=_user(world.users.other_enterprise))


def test_submitted_nomination_is_read_only(app, world, open_cycle, upload_dir, client, login,
                                           no_csrf):
    nomination_id = _submitted(app, world, open_cycle.id)
    login(world.users.enterprise)
    page = client.get(f"{BASE}/{nomination_id}").get_data(as_text=True)
    assert f"{BASE}/{nomination_id}/submit" not in page and "添加成果" not in page
    response = client.get(f"{BASE}/{nomination_id}/edit")
    assert response.status_code == 302
    assert any("只能查看，不能修改" in m for m in _flashes(client))
    client.post(f"{BASE}/{nomination_id}/attachments", data={"attachment-file": (io.BytesIO(PDF), "补充.pdf")})
    client.post(f"{BASE}/{nomination_id}/achievements", data={
        "kind": "honor", "title": "首都劳动奖章", "achieved_on": "2024-04-30"})
    with app.app_context():
        nomination = db.session.get(Nomination, nomination_id)
        assert len(nomination.attachments) == 1 and len(nomination.achievements) == 1
        with pytest.raises(services.DomainError, match="只能查看"):
            services.update_draft(nomination, occupation_id=open_cycle.fitter, statement="改",
                                  expected_version=nomination.version, by=_user(world.users.enterprise))


def test_statement_edit_is_saved_and_audited(app, world, open_cycle, client, login, no_csrf):
    nomination_id = _draft(app, world, open_cycle.id, complete=False)
    login(world.users.enterprise)
    response = client.post(f"{BASE}/{nomination_id}/edit", data={
        "occupation_id": open_cycle.welder, "statement": "主持焊接工艺攻关。",
        "version": _version(app, nomination_id)})
    assert response.status_code == 302
    with app.app_context():
        nomination = db.session.get(Nomination, nomination_id)
        assert (nomination.occupation.name, nomination.statement) == ("焊工", "主持焊接工艺攻关。")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "nomination.update"))
        assert entry.changes["occupation"] == ["钳工", "焊工"]


def test_stale_statement_edit_is_refused_and_keeps_the_typed_text(app, world, open_cycle, client,
                                                                  login, no_csrf):
    nomination_id = _draft(app, world, open_cycle.id, complete=False)
    opened = _version(app, nomination_id)
    with app.app_context():  # a colleague saves first
        services.update_draft(db.session.get(Nomination, nomination_id),
                              occupation_id=open_cycle.fitter, statement="同事的版本",
                              expected_version=int(opened), by=_user(world.users.enterprise))
        db.session.commit()
    login(world.users.enterprise)
    html = client.post(f"{BASE}/{nomination_id}/edit", data={
        "occupation_id": open_cycle.fitter, "statement": "我刚写好的陈述", "version": opened,
    }).get_data(as_text=True)
    assert "已被他人修改" in html and "我刚写好的陈述" in html
    with app.app_context():
        assert db.session.get(Nomination, nomination_id).statement == "同事的版本"


def test_achievement_with_bad_date_keeps_what_was_typed(app, world, open_cycle, client, login,
                                                       no_csrf):
    nomination_id = _draft(app, world, open_cycle.id, complete=False)
    future = (date.today() + timedelta(days=30)).isoformat()
    login(world.users.enterprise)
    html = client.post(f"{BASE}/{nomination_id}/achievements", data={
        "kind": "honor", "title": "首都劳动奖章", "achieved_on": future}).get_data(as_text=True)
    assert "取得日期不能晚于今天" in html and "首都劳动奖章" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NominationAchievement)) == 0


def test_forged_evidence_in_the_achievement_form_keeps_what_was_typed(
        app, world, open_cycle, upload_dir, client, login, no_csrf):
    nomination_id = _draft(app, world, open_cycle.id, complete=False)
    login(world.users.enterprise)
    html = client.post(f"{BASE}/{nomination_id}/achievements", data={
        "kind": "patent", "title": "一种钻模快换装置", "achieved_on": "2022-03-01",
        "description": "已在三条产线推广", "file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "专利.pdf"),
    }).get_data(as_text=True)
    assert "内容不是 PDF、JPG 或 PNG" in html
    assert "一种钻模快换装置" in html and "已在三条产线推广" in html and "2022-03-01" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NominationAchievement)) == 0
    assert _stored_files(upload_dir) == []


def test_achievement_is_added_with_its_evidence_and_removed(app, world, open_cycle, upload_dir,
                                                            client, login, no_csrf):
    nomination_id = _draft(app, world, open_cycle.id, complete=False)
    login(world.users.enterprise)
    client.post(f"{BASE}/{nomination_id}/achievements", data={
        "kind": "patent", "title": "一种钻模快换装置", "achieved_on": "2022-03-01",
        "publishable": "y", "file": (io.BytesIO(PDF), "专利证书.pdf")})
    with app.app_context():
        achievement = db.session.scalar(select(NominationAchievement))
        assert achievement.attachment.original_name == "专利证书.pdf"
        achievement_id = achievement.id
    client.post(f"{BASE}/{nomination_id}/achievements/{achievement_id}/delete")
    with app.app_context():
        assert db.session.get(NominationAchievement, achievement_id) is None


def test_draft_is_deleted_with_its_files(app, world, open_cycle, upload_dir, client, login,
                                         no_csrf):
    nomination_id = _draft(app, world, open_cycle.id)
    assert len(_stored_files(upload_dir)) == 1
    login(world.users.enterprise)
    client.post(f"{BASE}/{nomination_id}/delete", data={"version": _version(app, nomination_id)})
    with app.app_context():
        assert db.session.get(Nomination, nomination_id) is None
    assert _stored_files(upload_dir) == []


# Attachments -----------------------------------------------------------------------------

def test_pdf_is_stored_outside_the_web_root_under_a_random_name(app, world, open_cycle,
                                                                 upload_dir, client, login,
                                                                 no_csrf):
    nomination_id = _draft(app, world, open_cycle.id, complete=False)
    login(world.users.enterprise)
    response = client.post(f"{BASE}/{nomination_id}/attachments",
                           data={"attachment-file": (io.BytesIO(PDF), "技能等级证书.pdf")})
    assert response.status_code == 302
    with app.app_context():
        attachment = db.session.scalar(select(NominationAttachment))
        assert attachment.original_name == "技能等级证书.pdf"
        assert attachment.content_type == "application/pdf"
        assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
        assert attachment.size == len(PDF)
        stored = upload_dir / attachment.stored_name
    assert stored.read_bytes() == PDF
    assert "技能等级证书" not in stored.name and len(stored.stem) == 32
    assert not str(upload_dir).startswith(str(Path(app.static_folder)))


def test_forged_pdf_that_is_really_text_is_refused(app, world, open_cycle, upload_dir, client,
                                                   login, no_csrf):
    nomination_id = _draft(app, world, open_cycle.id, complete=False)
    login(world.users.enterprise)
    html = client.post(f"{BASE}/{nomination_id}/attachments", data={
        "attachment-file": (io.BytesIO("这其实是一个文本文件".encode()), "证书.pdf", "application/pdf"),
    }).get_data(as_text=True)
    assert "内容不是 PDF、JPG 或 PNG" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NominationAttachment)) == 0
    assert _stored_files(upload_dir) == []


def test_oversized_upload_is_refused_and_nothing_is_stored(app, world, open_cycle, upload_dir,
                                                           client, login, no_csrf):
    app.config["UPLOAD_MAX_FILE_BYTES"] = 1024
    nomination_id = _draft(app, world, open_cycle.id, complete=False)
    login(world.users.enterprise)
    html = client.post(f"{BASE}/{nomination_id}/attachments", data={
        "attachment-file": (io.BytesIO(PDF + b"0" * 2048), "扫描件.pdf")}).get_data(as_text=True)
    assert "超过单个文件" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NominationAttachment)) == 0
    assert _stored_files(upload_dir) == []


def test_total_size_per_nomination_is_limited(app, world, open_cycle, upload_dir):
    app.config["UPLOAD_MAX_TOTAL_BYTES"] = len(PDF) + 50
    nomination_id = _draft(app, world, open_cycle.id, complete=False)
    with app.app_context():
        nomination = db.session.get(Nomination, nomination_id)
        by = _user(world.users.enterprise)
        services.add_attachment(nomination, _file(), by=by)
        with pytest.raises(services.DomainError, match="附件总大小将超过"):
            services.add_attachment(nomination, _file(PNG, "照片.png"), by=by)
        db.session.commit()
    assert len(_stored_files(upload_dir)) == 1


def test_type_comes_from_the_content_not_the_name(app, world, open_cycle, upload_dir):
    nomination_id = _draft(app, world, open_cycle.id, complete=False)
    with app.app_context():
        nomination = db.session.get(Nomination, nomination_id)
        by = _user(world.users.enterprise)
        png = services.add_attachment(nomination, _file(PNG, "现场照片.pdf"), by=by)
        jpeg = services.add_attachment(nomination, _file(JPEG, "奖状"), by=by)
        assert (png.content_type, jpeg.content_type) == ("image/png", "image/jpeg")
        db.session.rollback()


def test_same_file_twice_is_refused(app, world, open_cycle, upload_dir):
    nomination_id = _draft(app, world, open_cycle.id, complete=False)
    with app.app_context():
        nomination = db.session.get(Nomination, nomination_id)
        by = _user(world.users.enterprise)
        services.add_attachment(nomination, _file(), by=by)
        with pytest.raises(services.DomainError, match="该文件已上传过"):
            services.add_attachment(nomination, _file(name="又一份.pdf"), by=by)
        db.session.commit()
    assert len(_stored_files(upload_dir)) == 1


def test_removing_an_attachment_deletes_the_file_and_unlinks_its_achievement(
        app, world, open_cycle, upload_dir, client, login, no_csrf):
    nomination_id = _draft(app, world, open_cycle.id)
    with app.app_context():
        attachment = db.session.scalar(select(NominationAttachment))
        attachment_id, stored = attachment.id, upload_dir / attachment.stored_name
    assert stored.exists()
    login(world.users.enterprise)
    client.post(f"{BASE}/{nomination_id}/attachments/{attachment_id}/delete")
    assert not stored.exists()
    with app.app_context():
        assert db.session.get(NominationAttachment, attachment_id) is None
        assert db.session.scalar(select(NominationAchievement)).attachment_id is None


def test_an_upload_rolled_back_leaves_no_file_behind(app, world, open_cycle, upload_dir):
    nomination_id = _draft(app, world, open_cycle.id, complete=False)
    with app.app_context():
        services.add_attachment(db.session.get(Nomination, nomination_id), _file(),
                                by=_user(world.users.enterprise))
        assert len(_stored_files(upload_dir)) == 1
        db.session.rollback()
    assert _stored_files(upload_dir) == []


def test_download_is_an_attachment_with_the_real_type_and_nosniff(app, world, open_cycle,
                                                                   upload_dir, client, login):
    nomination_id = _draft(app, world, open_cycle.id)
    with app.app_context():
        attachment_id = db.session.scalar(select(NominationAttachment.id))
    login(world.users.enterprise)
    response = client.get(f"{BASE}/{nomination_id}/attachments/{attachment_id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("user, status", [
    ("enterprise", 200), ("worker", 200), ("admin", 200), ("reviewer", 403),
    ("other_enterprise", 403), ("industry_reviewer", 403), ("expert", 403), ("judge", 403),
])
def test_attachments_are_served_only_to_those_who_may_see_the_nomination(
        app, world, open_cycle, upload_dir, client, login, user, status):
    nomination_id = _draft(app, world, open_cycle.id)
    with app.app_context():
        attachment_id = db.session.scalar(select(NominationAttachment.id))
    login(getattr(world.users, user))
    assert client.get(f"{BASE}/{nomination_id}/attachments/{attachment_id}").status_code == status


def test_attachment_of_another_nomination_is_not_found_through_this_one(app, world, open_cycle,
                                                                        upload_dir, client,
                                                                        login):
    mine = _draft(app, world, open_cycle.id, complete=False)
    theirs = _draft(app, world, open_cycle.id, worker_id=world.worker_b,
                    by=world.users.other_enterprise)
    with app.app_context():
        their_file = db.session.scalar(select(NominationAttachment.id).where(
            NominationAttachment.nomination_id == theirs))
    login(world.users.enterprise)
    assert client.get(f"{BASE}/{mine}/attachments/{their_file}").status_code == 404


def test_other_enterprise_cannot_touch_the_nomination(app, world, open_cycle, upload_dir, client,
                                                      login, no_csrf):
    nomination_id = _draft(app, world, open_cycle.id)
    login(world.users.other_enterprise)
    assert client.get(f"{BASE}/{nomination_id}").status_code == 403
    assert client.post(f"{BASE}/{nomination_id}/submit").status_code == 403
    assert client.post(f"{BASE}/{nomination_id}/attachments",
                       data={"attachment-file": (io.BytesIO(PDF), "x.pdf")}).status_code == 403
    assert _state(app, nomination_id) == "draft"


# Qualification check ---------------------------------------------------------------------

def test_reviewer_queue_lists_submitted_nominations_of_own_unions_only(app, world, open_cycle,
                                                                       upload_dir, client,
                                                                       login):
    _submitted(app, world, open_cycle.id)
    _submitted(app, world, open_cycle.id, worker_id=world.worker_b,
               by=world.users.other_enterprise)
    login(world.users.reviewer)  # 朝阳区总工会: 朝阳精工 only
    html = client.get(f"{BASE}/qualification").get_data(as_text=True)
    assert "李明" in html and "王芳" not in html
    login(world.users.industry_reviewer)  # 机械冶金建材工会: 海淀机械 only
    html = client.get(f"{BASE}/qualification").get_data(as_text=True)
    assert "王芳" in html and "李明" not in html


def test_reviewer_approves_and_the_nominee_enters_the_talent_pool(app, world, open_cycle,
                                                                  upload_dir, client, login,
                                                                  no_csrf):
    nomination_id = _submitted(app, world, open_cycle.id)
    login(world.users.reviewer)
    response = client.post(f"{BASE}/{nomination_id}/decision", data={
        "qualify": "y", "version": _version(app, nomination_id)})
    assert response.status_code == 302
    assert _state(app, nomination_id) == "qualified"
    with app.app_context():
        assert db.session.get(Nomination, nomination_id).qualified_at is not None
    assert "李明" in client.get(f"{BASE}/talent-pool").get_data(as_text=True)
    login(world.users.admin)
    assert "李明" in client.get(f"{BASE}/talent-pool").get_data(as_text=True)


@pytest.mark.parametrize("decision", ["return", "reject"])
def test_return_and_reject_need_a_reason(app, world, open_cycle, upload_dir, client, login,
                                         no_csrf, decision):
    nomination_id = _submitted(app, world, open_cycle.id)
    login(world.users.reviewer)
    html = client.post(f"{BASE}/{nomination_id}/decision", data={
        decision: "y", "reason": "  ", "version": _version(app, nomination_id)}).get_data(
        as_text=True)
    assert "请填写理由" in html
    assert _state(app, nomination_id) == "submitted"


def test_rejection_with_reason_is_shown_to_enterprise_and_nominee(app, world, open_cycle,
                                                                  upload_dir, client, login,
                                                                  no_csrf):
    nomination_id = _submitted(app, world, open_cycle.id)
    login(world.users.reviewer)
    client.post(f"{BASE}/{nomination_id}/decision", data={
        "reject": "y", "reason": "获奖证书与本人不符", "version": _version(app, nomination_id)})
    assert _state(app, nomination_id) == "rejected"
    for user in (world.users.enterprise, world.users.worker):
        login(user)
        assert "获奖证书与本人不符" in client.get(f"{BASE}/{nomination_id}").get_data(as_text=True)
    assert "获奖证书与本人不符" in client.get(f"{BASE}/mine").get_data(as_text=True)


def test_returned_nomination_is_corrected_and_resubmitted(app, world, open_cycle, upload_dir,
                                                          client, login, no_csrf):
    nomination_id = _submitted(app, world, open_cycle.id)
    login(world.users.reviewer)
    client.post(f"{BASE}/{nomination_id}/decision", data={
        "return": "y", "reason": "请补充专利证书", "version": _version(app, nomination_id)})
    assert _state(app, nomination_id) == "returned"

    login(world.users.enterprise)
    page = client.get(f"{BASE}/{nomination_id}").get_data(as_text=True)
    assert "退回原因" in page and "请补充专利证书" in page and "重新提交" in page
    client.post(f"{BASE}/{nomination_id}/attachments",
                data={"attachment-file": (io.BytesIO(PDF + b"%patent"), "专利证书.pdf")})
    client.post(f"{BASE}/{nomination_id}/edit", data={
        "occupation_id": open_cycle.fitter, "statement": "已补充专利证书。",
        "version": _version(app, nomination_id)})
    client.post(f"{BASE}/{nomination_id}/submit", data={"version": _version(app, nomination_id)})
    assert _state(app, nomination_id) == "submitted"
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.target_type == "Nomination", AuditEntry.target_id == nomination_id)
            .order_by(AuditEntry.id)).all()
        assert actions[-1] == "nomination.resubmit"
        assert "nomination.return" in actions
        assert len(db.session.get(Nomination, nomination_id).attachments) == 2


def test_returned_nomination_may_be_resubmitted_after_the_window_closes(app, world, open_cycle,
                                                                        upload_dir):
    nomination_id = _submitted(app, world, open_cycle.id)
    with app.app_context():
        nomination = db.session.get(Nomination, nomination_id)
        services.return_for_correction(nomination, "补充材料", expected_version=nomination.version,
                                       by=_user(world.users.reviewer))
        cycle = nomination.cycle
        cycle.nomination_closes = utcnow() - timedelta(days=1)
        cycle.status = "reviewing"
        db.session.commit()
        services.submit(nomination, expected_version=nomination.version, by=_user(world.users.enterprise))
        assert nomination.state == "submitted"


def test_reviewer_rejects_a_returned_nomination_the_enterprise_gave_up_on(app, world, open_cycle,
                                                                       upload_dir, client, login,
                                                                       no_csrf):
    """Every nomination needs a decision before the notice: one never resubmitted is rejected."""
    nomination_id = _submitted(app, world, open_cycle.id)
    with app.app_context():
        nomination = db.session.get(Nomination, nomination_id)
        services.return_for_correction(nomination, "请补充专利证书",
                                       expected_version=nomination.version, by=_user(world.users.reviewer))
        db.session.commit()
    login(world.users.reviewer)
    page = client.get(f"{BASE}/{nomination_id}").get_data(as_text=True)
    assert 'data-testid="returned-decision"' in page and "不予通过" in page and "通过，入人才库" not in page
    client.post(f"{BASE}/{nomination_id}/decision", data={
        "qualify": "y", "version": _version(app, nomination_id)})
    assert _state(app, nomination_id) == "returned"  # only rejection is open to a returned one
    response = client.post(f"{BASE}/{nomination_id}/decision", data={
        "reject": "y", "reason": "逾期未补充材料", "version": _version(app, nomination_id)})
    assert response.status_code == 302
    assert _state(app, nomination_id) == "rejected"
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "nomination.reject"))
        assert entry.changes["state"] == ["returned", "rejected"]


def test_reviewer_of_another_union_is_forbidden(app, world, open_cycle, upload_dir, client,
                                                login, no_csrf):
    nomination_id = _submitted(app, world, open_cycle.id)  # 朝阳精工: no industry union
    login(world.users.industry_reviewer)
    assert client.get(f"{BASE}/{nomination_id}").status_code == 403
    response = client.post(f"{BASE}/{nomination_id}/decision", data={"qualify": "y"})
    assert response.status_code == 403
    assert _state(app, nomination_id) == "submitted"


def test_industry_union_reviewer_checks_its_enterprises(app, world, open_cycle, upload_dir,
                                                        client, login, no_csrf):
    nomination_id = _submitted(app, world, open_cycle.id, worker_id=world.worker_b,
                               by=world.users.other_enterprise)
    login(world.users.industry_reviewer)
    client.post(f"{BASE}/{nomination_id}/decision", data={
        "qualify": "y", "reason": "材料齐全", "version": _version(app, nomination_id)})
    assert _state(app, nomination_id) == "qualified"


def test_a_stale_decision_is_refused(app, world, open_cycle, upload_dir, client, login, no_csrf):
    nomination_id = _submitted(app, world, open_cycle.id)
    stale = str(int(_version(app, nomination_id)) - 1)
    login(world.users.reviewer)
    client.post(f"{BASE}/{nomination_id}/decision", data={"qualify": "y", "version": stale})
    assert _state(app, nomination_id) == "submitted"


def test_a_decided_nomination_cannot_be_decided_again(app, world, open_cycle, upload_dir):
    nomination_id = _submitted(app, world, open_cycle.id)
    with app.app_context():
        nomination = db.session.get(Nomination, nomination_id)
        reviewer = _user(world.users.reviewer)
        services.qualify(nomination, expected_version=nomination.version, by=reviewer)
        with pytest.raises(services.DomainError, match="不在待资格审查状态"):
            services.reject(nomination, "重复", expected_version=nomination.version, by=reviewer)


@pytest.mark.parametrize("user", ["enterprise", "admin", "worker", "expert"])
def test_only_union_reviewers_decide_qualification(app, world, open_cycle, upload_dir, client,
                                                   login, no_csrf, user):
    nomination_id = _submitted(app, world, open_cycle.id)
    login(getattr(world.users, user))
    assert client.post(f"{BASE}/{nomination_id}/decision", data={"qualify": "y"}).status_code == 403
    assert _state(app, nomination_id) == "submitted"


# Workers ---------------------------------------------------------------------------------

def test_worker_sees_own_nominations_and_where_each_stands(app, world, open_cycle, upload_dir,
                                                           client, login):
    own = _submitted(app, world, open_cycle.id)
    other = _draft(app, world, open_cycle.id, worker_id=world.worker_b,
                   by=world.users.other_enterprise)
    login(world.users.worker)
    html = client.get(f"{BASE}/mine").get_data(as_text=True)
    assert "第四届北京大工匠选树" in html and "待资格审查" in html and "钳工" in html
    assert f"{BASE}/{own}" in html and f"{BASE}/{other}" not in html
    assert client.get(f"{BASE}/{own}").status_code == 200
    assert client.get(f"{BASE}/{other}").status_code == 403


def test_worker_cannot_change_or_submit_a_nomination(app, world, open_cycle, client, login,
                                                     no_csrf):
    nomination_id = _draft(app, world, open_cycle.id, complete=False)
    login(world.users.worker)
    assert client.post(f"{BASE}/{nomination_id}/submit").status_code == 403
    assert client.get(f"{BASE}/{nomination_id}/edit").status_code == 403


# Talent pool -----------------------------------------------------------------------------

def test_talent_pool_filters_by_cycle_occupation_and_district(app, world, client, login):
    with app.app_context():
        old = make_cycle(title="第三届北京大工匠选树", status="closed")
        new = make_cycle()
        make_nomination(old, world.worker_a, "钳工")
        make_nomination(new, world.worker_b, "焊工")
        make_nomination(new, world.worker_c, "钳工", state=NominationState.SUBMITTED)
        db.session.commit()
        old_id = old.id
    login(world.users.admin)
    html = client.get(f"{BASE}/talent-pool").get_data(as_text=True)
    assert "李明" in html and "王芳" in html and "赵强" not in html  # not yet qualified
    html = client.get(f"{BASE}/talent-pool?cycle_id={old_id}").get_data(as_text=True)
    assert "李明" in html and "王芳" not in html
    html = client.get(f"{BASE}/talent-pool?occupation=焊工").get_data(as_text=True)
    assert "王芳" in html and "李明" not in html
    html = client.get(f"{BASE}/talent-pool?district_id={world.chaoyang}").get_data(as_text=True)
    assert "李明" in html and "王芳" not in html


def test_talent_pool_of_a_reviewer_covers_their_unions(app, world, client, login):
    with app.app_context():
        cycle = make_cycle()
        make_nomination(cycle, world.worker_a)
        make_nomination(cycle, world.worker_b)
        db.session.commit()
    login(world.users.reviewer)
    html = client.get(f"{BASE}/talent-pool").get_data(as_text=True)
    assert "李明" in html and "王芳" not in html


@pytest.mark.parametrize("user", ["enterprise", "worker", "expert"])
def test_talent_pool_is_closed_to_other_roles(world, client, login, user):
    login(getattr(world.users, user))
    assert client.get(f"{BASE}/talent-pool").status_code == 403


def test_navigation_offers_each_role_its_nomination_pages(world, client, login):
    expected = {"enterprise": "推荐", "reviewer": "资格审查", "admin": "人才库", "worker": "我的推荐"}
    for user, label in expected.items():
        login(getattr(world.users, user))
        html = client.get("/", follow_redirects=True).get_data(as_text=True)
        assert f">{label}</a>" in html, user


@pytest.mark.parametrize("user, status", [
    ("enterprise", 200), ("admin", 200), ("reviewer", 403), ("worker", 200),
    ("other_enterprise", 403), ("industry_reviewer", 403), ("expert", 403), ("judge", 403),
])
def test_who_may_see_a_draft_nomination(app, world, open_cycle, client, login, user, status):
    nomination_id = _draft(app, world, open_cycle.id, complete=False)
    login(getattr(world.users, user))
    assert client.get(f"{BASE}/{nomination_id}").status_code == status


def test_enterprise_list_shows_only_its_own_nominations(app, world, open_cycle, client, login):
    _draft(app, world, open_cycle.id, complete=False)
    _draft(app, world, open_cycle.id, worker_id=world.worker_b, complete=False,
           by=world.users.other_enterprise)
    login(world.users.enterprise)
    html = client.get(f"{BASE}/").get_data(as_text=True)
    assert "李明" in html and "王芳" not in html
    login(world.users.admin)
    html = client.get(f"{BASE}/").get_data(as_text=True)
    assert "李明" in html and "王芳" in html


def test_reviewer_sees_the_rules_a_submitted_nominee_now_fails(app, world, open_cycle, upload_dir,
                                                               client, login):
    nomination_id = _submitted(app, world, open_cycle.id)
    with app.app_context():  # the worker left the post after submission
        db.session.get(Worker, world.worker_a).in_post = False
        db.session.commit()
    login(world.users.reviewer)
    html = client.get(f"{BASE}/{nomination_id}").get_data(as_text=True)
    failures = re.search(r'data-testid="review-rule-failures">(.*?)</ul>', html, re.S).group(1)
    assert "须仍在岗" in failures


def test_pages_render_in_english(app, world, open_cycle, upload_dir, client, login):
    nomination_id = _submitted(app, world, open_cycle.id)
    english = {"Accept-Language": "en"}
    for user, path in [("enterprise", f"{BASE}/"), ("enterprise", f"{BASE}/new"),
                       ("enterprise", f"{BASE}/{nomination_id}"),
                       ("reviewer", f"{BASE}/qualification"), ("reviewer", f"{BASE}/{nomination_id}"),
                       ("admin", f"{BASE}/talent-pool"), ("worker", f"{BASE}/mine")]:
        login(getattr(world.users, user))
        response = client.get(path, headers=english)
        assert response.status_code == 200, path
        assert '<html lang="en">' in response.get_data(as_text=True)


def test_union_reviewer_cannot_read_an_unsubmitted_draft_on_the_web(app, world, open_cycle,
                                                                    upload_dir, client, login):
    nomination_id = _draft(app, world, open_cycle.id)
    login(world.users.reviewer)
    assert client.get(f"{BASE}/{nomination_id}").status_code == 403
    assert f"{BASE}/{nomination_id}" not in client.get(f"{BASE}/").get_data(as_text=True)
    login(world.users.enterprise)
    assert client.get(f"{BASE}/{nomination_id}").status_code == 200
