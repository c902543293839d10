"""Marking schemes: modules (weights add up to 100, theory at most 30), criteria and aspects
(a measurement step divides the maximum; judgement aspects have no step), built in forms or
imported from Excel (all rows or nothing, every bad row listed), exported in the same format,
and frozen once scoring starts."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from competitions.models import Event, SchemeAspect, SchemeCriterion, SchemeModule
from competitions.services import scheme_excel, schemes
from competitions.services.schemes import AspectData, ModuleData, SchemeFrozen
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.excel import RowProblem, read_rows, workbook
from core.extensions import db
from tests.competitions.conftest import event_ids, make_competition, make_event
from tests.conftest import csrf_token
from tests.libreoffice import assert_calc_reads_alike, needs_libreoffice, resaved

D = Decimal


def _structure(event: Event) -> list:
    """The scheme as plain values, for comparisons."""
    return [(m.name, m.kind, m.weight, [(c.name, [(a.name, a.kind, a.max_mark, a.step, a.unit) for a in c.aspects])
                                        for c in m.criteria]) for m in event.modules]


def _sheet(rows, headers=scheme_excel.COLUMNS) -> bytes:
    return workbook("评分标准", headers, rows)


def _rows(content: bytes):
    return read_rows(io.BytesIO(content), scheme_excel.REQUIRED)


# Building a scheme in forms ----------------------------------------------------------------------

def test_admin_builds_a_scheme_through_the_forms(app, world, client, login):
    with app.app_context():
        event_id = make_event(scheme=False).id
        db.session.commit()
    login(world.users.admin)
    url = f"/competitions/events/{event_id}/modules/new"
    response = client.post(url, data={"name": "技能操作", "kind": "practical", "weight": "70",
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302 and "#module-" in response.headers["Location"]
    with app.app_context():
        module_id = db.session.scalar(select(SchemeModule.id))
    url = f"/competitions/modules/{module_id}/criteria/new"
    assert client.post(url, data={"name": "零件加工", "csrf_token": csrf_token(client, url)}).status_code == 302
    with app.app_context():
        criterion_id = db.session.scalar(select(SchemeCriterion.id))
    url = f"/competitions/criteria/{criterion_id}/aspects/new"
    response = client.post(url, data={"name": "尺寸精度", "kind": "measurement", "max_mark": "40", "step": "0.5",
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    html = client.get(f"/competitions/events/{event_id}").get_data(as_text=True)
    assert "技能操作" in html and "零件加工" in html and "尺寸精度" in html
    assert "各模块权重之和应为 100，当前为 70" in html  # not complete yet, and the page says why
    with app.app_context():
        aspect = db.session.scalar(select(SchemeAspect))
        assert (aspect.kind, aspect.max_mark, aspect.step) == ("measurement", D(40), D("0.5"))
        actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("scheme.%"))
                                       .order_by(AuditEntry.id)))
        assert actions == ["scheme.add_module", "scheme.add_criterion", "scheme.add_aspect"]


def test_module_weights_add_up_to_at_most_100_and_exactly_100_before_freezing(app, world):
    with app.app_context():
        event = make_event(scheme=False)
        schemes.add_module(event, ModuleData("理论知识", "theory", D(30)), by=None)
        schemes.add_module(event, ModuleData("技能操作", "practical", D(60)), by=None)
        assert "各模块权重之和应为 100，当前为 90" in schemes.scheme_problems(event)
        with pytest.raises(DomainError, match="当前为 110") as refused:
            schemes.add_module(event, ModuleData("答辩", "oral", D(20)), by=None)
        assert refused.value.field == "weight"
        with pytest.raises(DomainError, match="评分标准尚未完成"):
            schemes.freeze(event, by=None)


def test_weights_may_be_rebalanced_by_editing_a_module(app, world):
    with app.app_context():
        event = make_event()  # 理论知识 30 + 技能操作 70
        practical = next(m for m in event.modules if m.name == "技能操作")
        with pytest.raises(DomainError, match="当前为 110"):
            schemes.update_module(practical, ModuleData("技能操作", "practical", D(80)), by=None)
        schemes.update_module(practical, ModuleData("技能操作", "practical", D(50)), by=None)
        oral = schemes.add_module(event, ModuleData("答辩", "oral", D(20)), by=None)
        criterion = schemes.add_criterion(oral, "现场答辩", by=None)
        schemes.add_aspect(criterion, AspectData("表达与论证", "judgement", D(10)), by=None)
        assert schemes.scheme_problems(event) == []


@pytest.mark.parametrize("modules", [
    [("理论知识", D(35))],
    [("理论知识", D(20)), ("理论（安全）", D(15))],
])
def test_theory_modules_together_may_not_exceed_30(app, world, modules):
    with app.app_context():
        event = make_event(scheme=False)
        with pytest.raises(DomainError, match="理论模块的权重合计不得超过 30"):
            for name, weight in modules:
                schemes.add_module(event, ModuleData(name, "theory", weight), by=None)


def test_a_lower_theory_cap_set_on_the_event_is_enforced(app, world):
    with app.app_context():
        event = make_event(scheme=False, theory_weight_cap=D(20))
        with pytest.raises(DomainError, match="不得超过 20，当前为 30"):
            schemes.add_module(event, ModuleData("理论知识", "theory", D(30)), by=None)


def test_theory_over_30_is_refused_on_the_module_form(app, world, client, login):
    with app.app_context():
        event_id = make_event(scheme=False).id
        db.session.commit()
    login(world.users.admin)
    url = f"/competitions/events/{event_id}/modules/new"
    html = client.post(url, data={"name": "理论知识", "kind": "theory", "weight": "35",
                                  "csrf_token": csrf_token(client, url)}).get_data(as_text=True)
    assert "理论模块的权重合计不得超过 30，当前为 35" in html and 'value="理论知识"' in html
    with app.app_context():
        assert db.session.scalar(select(SchemeModule)) is None


@pytest.mark.parametrize("data, field, message", [
    (AspectData("尺寸精度", "measurement", D(10), D(3)), "step", "满分 10 不是步长 3 的整数倍"),
    (AspectData("尺寸精度", "measurement", D(10), D("0.3")), "step", "满分 10 不是步长 0.3 的整数倍"),
    (AspectData("尺寸精度", "measurement", D(10), D(12)), "step", "步长应大于 0 且不超过满分"),
    (AspectData("尺寸精度", "measurement", D(10), D(0)), "step", "步长应大于 0 且不超过满分"),
    (AspectData("尺寸精度", "measurement", D(10), D("1E+40")), "step", "步长应大于 0 且不超过满分"),
    (AspectData("尺寸精度", "measurement", D("1E+40"), D(1)), "max_mark", "满分应大于 0 且不超过 1000"),
    (AspectData("尺寸精度", "measurement", D(10), D("0.005")), "step", "步长最多保留两位小数"),
    (AspectData("工艺", "judgement", D(20), D(1)), "step", "评价类细项不设步长"),
    (AspectData("尺寸精度", "measurement", D(0)), "max_mark", "满分应大于 0"),
    (AspectData("尺寸精度", "estimate", D(10)), "kind", "类型应为测量或评价"),
    (AspectData(" ", "measurement", D(10)), "name", "请填写评分细项"),
])
def test_bad_aspects_are_refused_with_the_reason(app, world, data, field, message):
    with app.app_context():
        event = make_event()
        criterion = event.modules[1].criteria[0]
        with pytest.raises(DomainError, match=message) as refused:
            schemes.add_aspect(criterion, data, by=None)
        assert refused.value.field == field


@pytest.mark.parametrize("max_mark, step", [(D(10), D("2.5")), (D(10), D("0.5")), (D("7.5"), D("0.25")),
                                            (D(10), None)])
def test_a_step_that_divides_the_maximum_is_accepted(app, world, max_mark, step):
    with app.app_context():
        event = make_event()
        criterion = event.modules[1].criteria[0]
        aspect = schemes.add_aspect(criterion, AspectData("表面粗糙度", "measurement", max_mark, step), by=None)
        assert aspect.step == step


def test_a_bad_step_is_shown_on_the_aspect_form_and_kept(app, world, client, login, event):
    login(world.users.admin)
    url = f"/competitions/criteria/{event.criteria['零件加工']}/aspects/new"
    html = client.post(url, data={"name": "表面粗糙度", "kind": "measurement", "max_mark": "10", "step": "3",
                                  "csrf_token": csrf_token(client, url)}).get_data(as_text=True)
    assert "满分 10 不是步长 3 的整数倍" in html and 'value="表面粗糙度"' in html


def test_names_are_unique_within_their_parent(app, world):
    with app.app_context():
        event = make_event()
        theory = event.modules[0]
        with pytest.raises(DomainError, match="已有名为“技能操作”的模块"):
            schemes.update_module(theory, ModuleData("技能操作", "theory", D(30)), by=None)
        with pytest.raises(DomainError, match="已有评分项“理论考试”"):
            schemes.add_criterion(theory, "理论考试", by=None)
        with pytest.raises(DomainError, match="已有评分细项“笔试成绩”"):
            schemes.add_aspect(theory.criteria[0], AspectData("笔试成绩", "measurement", D(10)), by=None)


def test_removing_a_module_removes_its_criteria_and_aspects(app, world, client, login, event):
    login(world.users.admin)
    page = f"/competitions/events/{event.id}"
    response = client.post(f"/competitions/modules/{event.practical}/delete",
                           data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(SchemeModule, event.practical) is None
        assert db.session.scalar(select(SchemeCriterion).where(SchemeCriterion.name == "零件加工")) is None
        assert {a.name for a in db.session.scalars(select(SchemeAspect))} == {"笔试成绩"}
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "scheme.remove_module"))
        assert entry.changes == {"module": ["技能操作（实操，70）", None]}


# Frozen schemes ----------------------------------------------------------------------------------

FROZEN_EDITS = {
    "add_module": lambda e: schemes.add_module(e, ModuleData("答辩", "oral", D(10)), by=None),
    "update_module": lambda e: schemes.update_module(e.modules[0], ModuleData("理论", "theory", D(30)), by=None),
    "remove_module": lambda e: schemes.remove_module(e.modules[0], by=None),
    "add_criterion": lambda e: schemes.add_criterion(e.modules[0], "新评分项", by=None),
    "update_criterion": lambda e: schemes.update_criterion(e.modules[0].criteria[0], "改名", by=None),
    "remove_criterion": lambda e: schemes.remove_criterion(e.modules[0].criteria[0], by=None),
    "add_aspect": lambda e: schemes.add_aspect(e.modules[0].criteria[0],
                                               AspectData("新细项", "measurement", D(5)), by=None),
    "update_aspect": lambda e: schemes.update_aspect(e.aspects()[0], AspectData("改名", "measurement", D(100)),
                                                     by=None),
    "remove_aspect": lambda e: schemes.remove_aspect(e.aspects()[0], by=None),
    "import": lambda e: scheme_excel.import_scheme(e, _rows(scheme_excel.template_workbook()), by=None),
}


@pytest.mark.parametrize("edit", list(FROZEN_EDITS))
def test_a_frozen_scheme_refuses_every_edit(app, world, edit):
    with app.app_context():
        event = make_event(state="scoring")
        before = _structure(event)
        with pytest.raises(SchemeFrozen, match="评分标准已冻结"):
            FROZEN_EDITS[edit](event)
        assert _structure(event) == before


def test_a_frozen_scheme_has_no_edit_buttons_and_refuses_posted_edits(app, world, client, login):
    with app.app_context():
        ids = event_ids(make_event(state="scoring"))
        db.session.commit()
    login(world.users.admin)
    page = f"/competitions/events/{ids.id}"
    html = client.get(page).get_data(as_text=True)
    assert "评分标准已于" in html and "添加模块" not in html and "删除" not in html
    assert "导出 Excel" in html
    url = f"/competitions/events/{ids.id}/modules/new"
    html = client.post(url, data={"name": "答辩", "kind": "oral", "weight": "10",
                                  "csrf_token": csrf_token(client, page)}).get_data(as_text=True)
    assert "评分标准已冻结" in html
    response = client.post(f"/competitions/aspects/{ids.aspects['笔试成绩']}/delete",
                           data={"csrf_token": csrf_token(client, page)}, follow_redirects=True)
    assert "评分标准已冻结" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(SchemeAspect, ids.aspects["笔试成绩"]) is not None


# Excel ----------------------------------------------------------------------------------------

def test_a_scheme_round_trips_through_excel(app, world):
    with app.app_context():
        source = make_event()
        criterion = source.modules[1].criteria[0]
        schemes.add_aspect(criterion, AspectData("表面粗糙度", "measurement", D("7.5"), D("0.25")), by=None)
        content = scheme_excel.export_workbook(source)
        target = make_event(make_competition("2026年北京市职工职业技能大赛（复赛）"), scheme=False)
        count = scheme_excel.import_scheme(target, _rows(content), by=None)
        assert count == 4
        assert _structure(target) == _structure(source)
        assert scheme_excel.export_workbook(target) is not None
        assert scheme_excel.export_rows(target) == scheme_excel.export_rows(source)


def test_names_that_look_like_formulas_round_trip_exactly_and_stay_text(app, world):
    """Names beginning with =, +, @ or - come back as they were, with no apostrophe; in the
    file they are text cells (quote prefix), never formulas."""
    import io

    from openpyxl import load_workbook

    with app.app_context():
        source = make_event()
        criterion = source.modules[1].criteria[0]
        for name in ("=SUM(A1:A2)", "+0.02 偏差", "@工位", "-0.5 扣分"):
            schemes.add_aspect(criterion, AspectData(name, "measurement", D(5)), by=None)
        content = scheme_excel.export_workbook(source)
        cells = [c for row in load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2) for c in row
                 if isinstance(c.value, str) and c.value[:1] in "=+@-"]
        assert {c.value for c in cells} == {"=SUM(A1:A2)", "+0.02 偏差", "@工位", "-0.5 扣分"}
        assert all(c.data_type == "s" and c.quotePrefix for c in cells)
        target = make_event(make_competition("2026年北京市职工职业技能大赛（复赛）"), scheme=False)
        scheme_excel.import_scheme(target, _rows(content), by=None)
        assert _structure(target) == _structure(source)
        assert {a.name for a in target.aspects()} >= {"=SUM(A1:A2)", "+0.02 偏差", "@工位", "-0.5 扣分"}


def test_the_template_is_a_valid_scheme(app, world):
    with app.app_context():
        event = make_event(scheme=False)
        assert scheme_excel.import_scheme(event, _rows(scheme_excel.template_workbook()), by=None) == 5
        assert schemes.scheme_problems(event) == []
        assert [(m.name, m.kind, m.weight) for m in event.modules] == [
            ("理论知识", "theory", D(30)), ("技能操作", "practical", D(70))]


def test_module_cells_left_blank_carry_down_as_with_merged_cells(app, world):
    rows = [("理论知识", 30, "理论", "理论考试", "笔试成绩", "测量", 100, 0.5),
            ("技能操作", 70, "实操", "零件加工", "尺寸精度", "测量", 40, 1),
            (None, None, None, None, "表面粗糙度", "测量", 10, 0.5),
            (None, None, None, "工艺与规范", "加工工艺合理性", "评价", 20, None)]
    with app.app_context():
        event = make_event(scheme=False)
        scheme_excel.import_scheme(event, _rows(_sheet(rows)), by=None)
        practical = event.modules[1]
        assert [(c.name, [a.name for a in c.aspects]) for c in practical.criteria] == [
            ("零件加工", ["尺寸精度", "表面粗糙度"]), ("工艺与规范", ["加工工艺合理性"])]


def test_every_bad_row_is_listed_and_nothing_is_imported(app, world):
    rows = [
        ("理论知识", 30, "理论", "理论考试", "笔试成绩", "测量", 100, 0.5),       # row 2: fine
        ("技能操作", "七十", "实操", "零件加工", "尺寸精度", "测量", 40, 1),      # row 3: weight
        ("技能操作", 70, "实践", "零件加工", "表面粗糙度", "测量", 10, 3),       # row 4: kind and step
        ("答辩", 10, "答辩", "", "表达", "评价", 10, 1),                        # row 5: criterion, step
        ("答辩", 10, "答辩", "现场答辩", "", "主观", "", None),                  # row 6: aspect, kind, max
        ("理论知识", 30, "理论", "理论考试", "笔试成绩", "测量", 100, 0.5),       # row 7: duplicate
        ("理论知识", 25, "理论", "理论考试", "口试", "测量", 20, None),           # row 8: inconsistent
    ]
    with app.app_context():
        event = make_event()
        before = _structure(event)
        with pytest.raises(scheme_excel.ImportRefused) as refused:
            scheme_excel.import_scheme(event, _rows(_sheet(rows)), by=None)
        found = {(p.row, p.column) for p in refused.value.problems}
        assert found == {(3, "模块权重"), (4, "模块类型"), (4, "步长"), (5, "评分项"), (5, "步长"),
                         (6, "评分细项"), (6, "类型"), (6, "满分"), (7, "评分细项"), (8, "模块权重")}
        reasons = {(p.row, p.column): p.reason for p in refused.value.problems}
        assert reasons[(4, "步长")] == "满分 10 不是步长 3 的整数倍"
        assert reasons[(7, "评分细项")] == "与第 2 行的评分细项重复"
        assert "与第 2 行不一致" in reasons[(8, "模块权重")]
        assert _structure(event) == before


@pytest.mark.parametrize("rows, message", [
    ([("理论知识", 30, "理论", "理论考试", "笔试成绩", "测量", 100, None),
      ("技能操作", 60, "实操", "零件加工", "尺寸精度", "测量", 40, None)], "各模块权重之和应为 100，当前为 90"),
    ([("理论知识", 40, "理论", "理论考试", "笔试成绩", "测量", 100, None),
      ("技能操作", 60, "实操", "零件加工", "尺寸精度", "测量", 40, None)], "理论模块的权重合计不得超过 30，当前为 40"),
])
def test_whole_sheet_problems_are_reported_on_the_header_row(app, world, rows, message):
    with app.app_context():
        event = make_event(scheme=False)
        with pytest.raises(scheme_excel.ImportRefused) as refused:
            scheme_excel.import_scheme(event, _rows(_sheet(rows)), by=None)
        assert refused.value.problems == [RowProblem(1, "模块权重", message)]
        assert event.modules == []


def test_an_empty_sheet_imports_nothing(app, world):
    with app.app_context():
        event = make_event(scheme=False)
        with pytest.raises(scheme_excel.ImportRefused):
            scheme_excel.import_scheme(event, [], by=None)


def test_a_sheet_with_wrong_columns_is_refused_on_the_page(app, world, client, login, event):
    login(world.users.admin)
    url = f"/competitions/events/{event.id}/scheme/import"
    content = _sheet([("理论知识", 30, "理论", "理论考试", "笔试成绩", "测量")], headers=scheme_excel.COLUMNS[:6])
    html = client.post(url, data={"file": (io.BytesIO(content), "评分标准.xlsx"),
                                  "csrf_token": csrf_token(client, url)},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "缺少以下列：满分" in html


def test_the_import_page_lists_bad_rows_and_keeps_the_scheme(app, world, client, login, event):
    login(world.users.admin)
    url = f"/competitions/events/{event.id}/scheme/import"
    content = _sheet([("理论知识", 30, "理论", "理论考试", "笔试成绩", "测量", 100, 3),
                      ("技能操作", 70, "实操", "零件加工", "工艺", "评价", 20, 1)])
    html = client.post(url, data={"file": (io.BytesIO(content), "评分标准.xlsx"),
                                  "csrf_token": csrf_token(client, url)},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "未导入任何数据：发现 2 处问题" in html
    assert "满分 100 不是步长 3 的整数倍" in html and "评价类细项不设步长" in html
    with app.app_context():
        assert db.session.get(SchemeModule, event.practical) is not None


def test_a_clean_sheet_replaces_the_scheme_and_is_audited(app, world, client, login, event):
    login(world.users.admin)
    url = f"/competitions/events/{event.id}/scheme/import"
    content = _sheet([("理论知识", 20, "理论", "理论考试", "笔试成绩", "测量", 100, 1),
                      ("技能操作", 60, "实操", "零件加工", "尺寸精度", "测量", 40, 1),
                      ("答辩", 20, "答辩", "现场答辩", "表达与论证", "评价", 10, None)])
    response = client.post(url, data={"file": (io.BytesIO(content), "评分标准.xlsx"),
                                      "csrf_token": csrf_token(client, url)},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "已导入评分标准：3 个评分细项" in response.get_data(as_text=True)
    with app.app_context():
        stored = db.session.get(Event, event.id)
        assert [(m.name, m.weight) for m in stored.modules] == [("理论知识", D(20)), ("技能操作", D(60)),
                                                                 ("答辩", D(20))]
        assert [a.name for a in stored.aspects()] == ["笔试成绩", "尺寸精度", "表达与论证"]  # replaced, not merged
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "scheme.import"))


def test_the_scheme_downloads_as_excel(world, client, login, event):
    login(world.users.admin)
    response = client.get(f"/competitions/events/{event.id}/scheme.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = read_rows(io.BytesIO(response.data), scheme_excel.COLUMNS)
    assert rows[0][1] == {"模块": "理论知识", "模块权重": "30", "模块类型": "理论", "评分项": "理论考试",
                          "评分细项": "笔试成绩", "类型": "测量", "满分": "100", "步长": "0.5", "单位": ""}
    assert client.get("/competitions/scheme-template.xlsx").status_code == 200


def test_an_unfinished_module_is_exported_with_blank_aspect_columns(app, world):
    with app.app_context():
        event = make_event()
        schemes.update_module(event.modules[1], ModuleData("技能操作", "practical", D(60)), by=None)
        schemes.add_module(event, ModuleData("答辩", "oral", D(10)), by=None)
        assert scheme_excel.export_rows(event)[-1] == ("答辩", 10, "答辩", None, None, None, None, None, None)


def test_every_scheme_change_bumps_the_events_version_so_concurrent_edits_collide(app, world):
    with app.app_context():
        event = make_event()
        db.session.commit()
        version = event.version
        schemes.add_criterion(event.modules[1], "安全文明生产", by=None)
        db.session.commit()
        assert event.version == version + 1


# Units of measurement aspects -----------------------------------------------------------------

def test_measurement_units_round_trip_through_excel(app, world):
    with app.app_context():
        source = make_event()
        criterion = source.modules[1].criteria[0]
        schemes.add_aspect(criterion, AspectData("外圆尺寸", "measurement", D(10), D(1), " mm "), by=None)
        schemes.add_aspect(criterion, AspectData("装配用时", "measurement", D(5), None, "s"), by=None)
        content = scheme_excel.export_workbook(source)
        by_name = {row[1]["评分细项"]: row[1] for row in read_rows(io.BytesIO(content), scheme_excel.COLUMNS)}
        assert (by_name["外圆尺寸"]["单位"], by_name["装配用时"]["单位"]) == ("mm", "s")
        target = make_event(make_competition("2026年北京市职工职业技能大赛（复赛）"), scheme=False)
        scheme_excel.import_scheme(target, _rows(content), by=None)
        assert {a.name: a.unit for a in target.aspects()}["外圆尺寸"] == "mm"
        assert _structure(target) == _structure(source)


@needs_libreoffice
def test_a_scheme_edited_in_libreoffice_calc_round_trips_with_its_units_and_formula_like_names(app, world):
    """Calc shows the exported scheme as written (names that look like formulas as text, never
    run), and the sheet it saves again imports into the same scheme."""
    with app.app_context():
        source = make_event()
        criterion = source.modules[1].criteria[0]
        schemes.add_aspect(criterion, AspectData("外圆尺寸", "measurement", D("7.5"), D("0.25"), "mm"), by=None)
        schemes.add_aspect(criterion, AspectData("=SUM(A1:A2)", "measurement", D(5)), by=None)
        content = scheme_excel.export_workbook(source)
        shown = assert_calc_reads_alike(content)["评分标准"]
        assert ["技能操作", "70", "实操", "零件加工", "外圆尺寸", "测量", "7.5", "0.25", "mm"] in shown
        assert any(row[4] == "=SUM(A1:A2)" for row in shown)
        target = make_event(make_competition("2026年北京市职工职业技能大赛（复赛）"), scheme=False)
        scheme_excel.import_scheme(target, _rows(resaved(content)), by=None)
        assert _structure(target) == _structure(source)
        assert_calc_reads_alike(scheme_excel.template_workbook())


def test_a_sheet_from_before_units_without_the_unit_column_still_imports(app, world):
    rows = [("理论知识", 30, "理论", "理论考试", "笔试成绩", "测量", 100, 0.5),
            ("技能操作", 70, "实操", "零件加工", "尺寸精度", "测量", 40, 1),
            ("技能操作", 70, "实操", "工艺与规范", "加工工艺合理性", "评价", 20, None)]
    with app.app_context():
        event = make_event(scheme=False)
        assert scheme_excel.import_scheme(event, _rows(_sheet(rows, headers=scheme_excel.COLUMNS[:8])),
                                          by=None) == 3
        assert {a.unit for a in event.aspects()} == {""}


def test_bad_units_are_listed_by_row_in_chinese_and_nothing_is_imported(app, world):
    rows = [
        ("理论知识", 30, "理论", "理论考试", "笔试成绩", "测量", 100, 0.5, "分"),             # row 2: fine
        ("技能操作", 70, "实操", "零件加工", "尺寸精度", "测量", 40, 1, "毫米" * 9),          # row 3: too long
        ("技能操作", 70, "实操", "工艺与规范", "加工工艺合理性", "评价", 20, None, "mm"),      # row 4: judgement
        ("技能操作", 70, "实操", "工艺与规范", "表面粗糙度", "测量", 10, None, "=A1"),        # row 5: formula
    ]
    with app.app_context():
        event = make_event()
        before = _structure(event)
        with pytest.raises(scheme_excel.ImportRefused) as refused:
            scheme_excel.import_scheme(event, _rows(_sheet(rows)), by=None)
        reasons = {(p.row, p.column): p.reason for p in refused.value.problems}
        assert set(reasons) == {(3, "单位"), (4, "单位"), (5, "单位")}
        assert reasons[(3, "单位")] == "单位不能超过 16 个字"
        assert reasons[(4, "单位")].startswith("评价类细项不设单位")
        assert "计量单位" in reasons[(5, "单位")]
        assert _structure(event) == before


def test_the_aspect_form_saves_a_unit_and_refuses_one_on_a_judgement_aspect(app, world, client, login, event):
    login(world.users.admin)
    with app.app_context():
        criterion_id = db.session.get(Event, event.id).modules[1].criteria[0].id
    url = f"/competitions/criteria/{criterion_id}/aspects/new"
    response = client.post(url, data={"name": "评价带单位", "kind": "judgement", "max_mark": "10", "unit": "mm",
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code != 302 and "评价类细项不设单位" in response.get_data(as_text=True)
    response = client.post(url, data={"name": "孔距", "kind": "measurement", "max_mark": "10", "unit": "mm",
                                      "csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    with app.app_context():
        aspect = db.session.scalar(select(SchemeAspect).where(SchemeAspect.name == "孔距"))
        assert aspect.unit == "mm" and aspect.label == "孔距（mm）"
        assert db.session.scalar(select(SchemeAspect).where(SchemeAspect.name == "评价带单位")) is None
    assert "孔距" in client.get(f"/competitions/events/{event.id}").get_data(as_text=True)
