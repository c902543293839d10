"""The yardsticks of ``bench_pages.py``, served by the same gunicorn settings as the product.

``reference``: a Flask + Jinja page rendering a 50-row table (a layout with a header, a
navigation bar and a footer, the rows built in Python: no database), the kind of page a plain
Flask app serves. ``bare``: a Flask app whose one view returns ``"ok"``.
"""

from __future__ import annotations

from flask import Flask, render_template
from jinja2 import DictLoader

TEMPLATES = {
    "layout.html": """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{% block title %}{% endblock %}</title>
<link rel="stylesheet" href="/static/site.css"></head>
<body><header><nav><a href="/">首页</a> <a href="/table">名录</a> <a href="/about">关于</a></nav></header>
<main>{% block main %}{% endblock %}</main><footer>北京市职工技能人才服务平台</footer></body></html>""",
    "table.html": """{% extends "layout.html" %}{% block title %}工匠名录{% endblock %}
{% block main %}<h1>工匠名录</h1><p>共 {{ total }} 人</p>
<table class="table"><thead><tr><th>姓名</th><th>称号</th><th>工种</th><th>单位</th><th>年份</th></tr></thead>
<tbody>{% for row in rows %}<tr><td><a href="/table/{{ row.id }}">{{ row.name }}</a></td>
<td>{{ row.title }}</td><td>{{ row.occupation }}</td><td>{{ row.enterprise }}</td><td>{{ row.year }}</td></tr>
{% endfor %}</tbody></table>{% endblock %}""",
}

OCCUPATIONS = ["钳工", "焊工", "数控车工", "电工", "汽车维修工"]


def _rows() -> list[dict]:
    return [{"id": n, "name": f"王{n}明", "title": "北京大工匠", "occupation": OCCUPATIONS[n % 5],
             "enterprise": f"北京第{n}精密制造有限公司", "year": 2016 + n % 10} for n in range(1, 51)]


reference = Flask(__name__)
reference.jinja_loader = DictLoader(TEMPLATES)


@reference.get("/table")
def table():
    return render_template("table.html", rows=_rows(), total=2000)


bare = Flask(__name__)


@bare.get("/")
def ok():
    return "ok"
