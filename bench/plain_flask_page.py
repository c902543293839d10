"""The references for load benchmarks, served by the same gunicorn settings as the product: a
Flask app whose one page renders a 50-row table with Jinja (no database;
``gunicorn bench.plain_flask_page:app``), and a bare Flask app answering ``"ok"``
(``bench.plain_flask_page:bare``)."""

from __future__ import annotations

from flask import Flask, render_template
from jinja2 import DictLoader

app = Flask(__name__)

ROWS = [{"number": n, "name": f"选手{n}", "enterprise": f"北京第{n % 7}精密制造有限公司",
         "score": f"{60 + n * 0.7:.2f}"} for n in range(1, 51)]

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1>
<table><thead><tr><th>序号</th><th>姓名</th><th>单位</th><th>成绩</th></tr></thead><tbody>
{% for row in rows %}<tr><td>{{ row.number }}</td><td>{{ row.name }}</td><td>{{ row.enterprise }}</td>
<td>{{ row.score }}</td></tr>
{% endfor %}</tbody></table></main></body></html>"""
#: The page is a template file as in any Flask app: compiled once, then taken from Jinja's cache
#: (``render_template_string`` would compile it again on every request).
app.jinja_loader = DictLoader({"page.html": PAGE})


@app.get("/page")
def page():
    return render_template("page.html", title="成绩一览", rows=ROWS)


bare = Flask("bare")


@bare.get("/")
def ok():
    return "ok"
