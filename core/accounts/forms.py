"""Login, password and account-management forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from core.form_fields import MultiCheckboxField
from core.forms import VersionedForm
from core.roles import Role


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请填写用户名")),
                                                    Length(max=64)],
                           render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请填写密码")),
                                                    Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("登录"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请填写当前密码"))],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(_l("请填写新密码")),
                                                         Length(max=128)],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("再次输入新密码"),
                            validators=[EqualTo("new_password", _l("两次输入的新密码不一致"))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("修改密码"))


class AccountForm(VersionedForm):
    """A new account, or an administrator's edit of one (the version is used by the edit)."""

    username = StringField(
        _l("用户名"),
        validators=[DataRequired(_l("请填写用户名")), Length(max=64),
                    Regexp(r"^[A-Za-z0-9_.@-]+$", message=_l("用户名只能包含字母、数字和 _ . @ -"))],
    )
    display_name = StringField(_l("姓名"), validators=[DataRequired(_l("请填写姓名")),
                                                      Length(max=64)])
    roles = MultiCheckboxField(_l("角色"), choices=[])
    union_id = SelectField(_l("所属工会（审核员）"), coerce=int, choices=[])
    enterprise_id = SelectField(_l("所属企业（企业工会）"), coerce=int, choices=[])
    employer_id = SelectField(_l("工作单位（专家、裁判回避用）"), coerce=int, choices=[])
    worker_id = StringField(_l("对应职工编号（职工）"), validators=[Optional(),
                                                            Regexp(r"^\d+$", message=_l("请填写职工编号（数字）"))])
    password = PasswordField(_l("初始密码"), validators=[Optional(), Length(max=128)],
                             render_kw={"autocomplete": "new-password"},
                             description=_l("至少 10 位，包含字母和数字；用户首次登录须修改"))
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, unions=(), enterprises=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = [(r.value, r.label) for r in Role]
        self.union_id.choices = [(0, "—")] + [(u.id, u.name) for u in unions]
        self.enterprise_id.choices = [(0, "—")] + [(e.id, e.name) for e in enterprises]
        self.employer_id.choices = [(0, "—")] + [(e.id, e.name) for e in enterprises]


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("临时密码"), validators=[DataRequired(_l("请填写临时密码")),
                                                      Length(max=128)],
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("重置密码"))
