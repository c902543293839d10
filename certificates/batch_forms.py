"""The batch issuing form: one scope of one registered source."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField
from wtforms.validators import DataRequired

from certificates import sources


class BatchForm(FlaskForm):
    scope = SelectField(_l("范围"), validators=[DataRequired(_l("请选择要批量颁发证书的范围"))],
                        description=_l("该范围内可颁发的证书全部颁发（已颁发的不重复颁发），"
                                       "生成 PDF 并打包为一个 ZIP 文件。"))
    submit = SubmitField(_l("开始批量颁发"))

    def __init__(self, *args, scopes: list[sources.Scope] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        scopes = sources.all_scopes() if scopes is None else scopes
        self.scope.choices = [("", str(_l("请选择…")))] + [(s.key, s.label) for s in scopes]
        #: The scopes by source, for a select with one group per source.
        self.groups: dict[str, list[sources.Scope]] = {}
        for scope in scopes:
            self.groups.setdefault(scope.source_label, []).append(scope)
