"""The workers' Excel export: the workers the user may see, ID numbers in clear only where the
user may see them. Built in the request for the download link, or by a job for big lists."""

from __future__ import annotations

from sqlalchemy import select

from core import excel
from core.extensions import db
from core.organizations import rules as org_rules
from core.organizations.models import Enterprise
from core.people import rules
from core.people.models import Worker

FILE_NAME = "职工名单.xlsx"


def workbook_for(user) -> tuple[bytes, int]:
    """The sheet's bytes and its number of workers.

    A masked ID number hides exactly the eight birth-date digits, so a row with a masked
    number carries the birth year only; the column is then headed 出生年份.
    """
    query = select(Worker).join(Enterprise).order_by(Enterprise.name, Worker.name)
    condition = org_rules.visible_enterprise_filter(user, Enterprise)
    if condition is not None:
        query = query.where(condition)
    rows, all_clear = [], True
    for w in db.session.scalars(query):
        clear = rules.can_see_id_number(user, w)
        all_clear = all_clear and clear
        rows.append((w.name, str(w.gender_enum.label), w.id_number if clear else w.id_number_masked,
                     w.birth_date if clear else w.birth_date.year, w.enterprise.name, w.occupation,
                     w.occupation_code, str(w.skill_level_enum.label), w.years_in_occupation,
                     "是" if w.is_front_line else "否", "是" if w.in_post else "否", w.honors))
    headers = ("姓名", "性别", "身份证号", "出生日期" if all_clear else "出生年份", "所在企业", "工种",
               "职业编码", "技能等级", "从事本工种年限", "一线职工", "在岗", "荣誉")
    content = excel.workbook("职工", headers, rows, widths={"身份证号": 22, "所在企业": 30, "荣誉": 30})
    return content, len(rows)
