"""The Excel export of studio alliances for administrators: one workbook with a sheet of
alliances, one of memberships, one of lead terms and one of joint projects. Files are
Chinese documents whatever the UI language; they name studios and enterprises, no person.
"""

from __future__ import annotations

import io

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.excel import _as_text  # the formula-injection escape every export applies
from core.extensions import db
from innovation_studios.alliances.models import Alliance, JointProject, JointProjectStudio

ALLIANCE_COLUMNS = {"联盟名称": 30, "类型": 8, "成立日期": 12, "盟主工作室": 30, "盟主所在企业": 32,
                    "现有成员数": 10, "现有成员工作室": 60, "年度联合项目数": 14, "状态": 10, "解散日期": 12,
                    "章程": 60}
MEMBER_COLUMNS = {"联盟名称": 30, "工作室": 30, "工作室编号": 16, "工作室类型": 16, "所在企业": 32,
                  "加入日期": 12, "退出日期": 12, "退出原因": 24, "现任盟主": 10}
LEAD_COLUMNS = {"联盟名称": 30, "盟主工作室": 30, "所在企业": 32, "任期开始": 12, "任期结束": 12, "说明": 30}
PROJECT_COLUMNS = {"联盟名称": 30, "项目名称": 30, "项目目标": 40, "牵头工作室": 30, "参与工作室": 50,
                   "开始日期": 12, "完成期限": 12, "状态": 10, "计入年度": 14, "项目成果": 50}


def _sheet(book, title: str, columns: dict, rows) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
    for row in rows:
        sheet.append([_as_text(value) for value in row])
    sheet.freeze_panes = "A2"
    for index, width in enumerate(columns.values(), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if hasattr(cell.value, "isoformat"):
                cell.number_format = "yyyy-mm-dd"


def alliances_workbook(alliances: list[Alliance], year: int) -> bytes:
    """The given alliances (with members, leads and projects loaded by the caller's query);
    the project count is that of ``year``."""
    ids = [a.id for a in alliances]
    projects = db.session.scalars(
        select(JointProject).where(JointProject.alliance_id.in_(ids))
        .options(selectinload(JointProject.lead_studio),
                 selectinload(JointProject.participants).selectinload(JointProjectStudio.studio))
        .order_by(JointProject.alliance_id, JointProject.starts_on, JointProject.id)).all() if ids else []
    names = {a.id: a.name for a in alliances}
    counts: dict[int, int] = {}
    for project in projects:
        if year in project.years:
            counts[project.alliance_id] = counts.get(project.alliance_id, 0) + 1
    from openpyxl import Workbook  # only when a workbook is made

    with force_locale("zh"):
        book = Workbook()
        book.remove(book.active)
        _sheet(book, "联盟", ALLIANCE_COLUMNS, [
            (a.name, str(a.kind_enum.label), a.founded_on, a.lead_studio.name if a.lead_studio else "",
             a.lead_studio.enterprise.name if a.lead_studio else "", len(a.current_memberships),
             "、".join(m.studio.name for m in a.current_memberships), counts.get(a.id, 0),
             "已解散" if a.is_dissolved else "运行中", a.dissolved_on, a.charter)
            for a in alliances])
        _sheet(book, "成员", MEMBER_COLUMNS, [
            (a.name, m.studio.name, m.studio.number or "", str(m.studio.kind_enum.label), m.studio.enterprise.name,
             m.joined_on, m.left_on, m.leave_reason,
             "是" if m.is_current and a.lead_studio and a.lead_studio.id == m.studio_id else "")
            for a in alliances for m in a.memberships])
        _sheet(book, "盟主任期", LEAD_COLUMNS, [
            (a.name, t.studio.name, t.studio.enterprise.name, t.starts_on, t.ends_on, t.note)
            for a in alliances for t in a.lead_terms])
        _sheet(book, "联合项目", PROJECT_COLUMNS, [
            (names[p.alliance_id], p.title, p.goal, p.lead_studio.name,
             "、".join(s.studio.name for s in p.participants), p.starts_on, p.due_on, str(p.status_enum.label),
             "、".join(str(y) for y in p.years), p.results)
            for p in projects])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
