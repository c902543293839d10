"""Results computed in SQL (competitions.services.results_sql) equal the scoring functions'.

Random schemes (weights, maxima and steps chosen so that totals often fall on half a cent),
random marks (judgement scores, single, double-entered and continuous measurements, now and
then a broken or missing one), computed by the results service on the database, and by
competitions.scoring's pure functions on the same marks: every stored and published figure,
place, award and honour must be the same, and so must a refusal and its message.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import count

from flask_babel import lazy_gettext as _l
from hypothesis import given, settings
from hypothesis import strategies as st

from competitions import scoring
from competitions.models import Contestant, Event, Mark, SchemeAspect, SchemeCriterion, SchemeModule
from competitions.services import results, results_sql
from core.errors import DomainError
from core.extensions import db
from core.roles import Role
from tests import factories
from tests.competitions.conftest import make_competition, make_event

D = Decimal
FOUR = D("0.0001")
_keys = count(1)
JUDGES = 6
CONTESTANTS = 6


@dataclass
class AspectCase:
    kind: str
    max_mark: Decimal
    step: Decimal | None
    # per contestant: [(value, entry)] (an empty list: not marked)
    marks: list[list[tuple[Decimal, int]]]


@dataclass
class EventCase:
    modules: list[tuple[str, Decimal, list[AspectCase]]]  # (kind, weight, aspects)
    contestants: int
    tie_break: list[str]
    promotion_top_n: int | None


#: Weights that, with maxima like 3, 7.5 or 40, put module scores and totals on half a cent.
_weight_pairs = st.sampled_from([(D(100),), (D(30), D(70)), (D("12.5"), D("87.5")), (D("0.5"), D("99.5")),
                                 (D(25), D("37.5"), D("37.5")), (D("30"), D("45.25"), D("24.75"))])
_maxima = st.sampled_from([D(m).quantize(D("0.01")) for m in ("1", "3", "4", "7.5", "10", "20", "40", "100", "0.5")])


@st.composite
def _measurement_marks(draw, max_mark: Decimal, step: Decimal | None):
    unit = step or D("0.01")
    units = int(max_mark / unit)

    def mark():
        value = unit * draw(st.integers(0, units))
        if draw(st.integers(0, 40)) == 0:  # now and then a mark that breaks a rule
            value = draw(st.sampled_from([max_mark + unit, value + D("0.01")]))
        return value

    shape = draw(st.sampled_from(["single", "single", "double", "panel", "panel", "missing"]))
    if shape == "missing" and draw(st.integers(0, 5)):
        shape = "single"
    if shape == "missing":
        return []
    if shape == "single":
        return [(mark(), 1)]
    if shape == "double":
        first = mark()
        second = first if draw(st.integers(0, 8)) else mark()
        return [(first, 1), (second, 2)]
    return [(mark(), 1) for _ in range(draw(st.integers(2, JUDGES)))]


@st.composite
def _aspect(draw, contestants: int):
    kind = draw(st.sampled_from(["judgement", "measurement"]))
    max_mark = draw(_maxima)
    if kind == "judgement":
        judges = draw(st.integers(2, JUDGES)) if not draw(st.integers(0, 30)) else draw(st.integers(3, JUDGES))
        marks = [[(D(draw(st.integers(0, 3))), 1) for _ in range(judges)] for _ in range(contestants)]
        return AspectCase(kind, max_mark, None, marks)
    step = draw(st.sampled_from([None, D("0.50"), D("0.25")]))
    if step is not None and max_mark % step:
        step = None
    marks = [draw(_measurement_marks(max_mark, step)) for _ in range(contestants)]
    return AspectCase(kind, max_mark, step, marks)


@st.composite
def event_cases(draw):
    contestants = draw(st.integers(1, CONTESTANTS))
    weights = [w.quantize(D("0.01")) for w in draw(_weight_pairs)]
    kinds = ["theory", "practical", "oral"][:len(weights)] if weights[0] <= 30 else ["practical"] * len(weights)
    if len(weights) == 1:
        kinds = ["practical"]
    modules = [(kind, weight, [draw(_aspect(contestants)) for _ in range(draw(st.integers(1, 3)))])
               for kind, weight in zip(kinds, weights, strict=True)]
    tie_break = draw(st.sampled_from([[], ["practical"], ["practical", "theory"]]))
    if "theory" in tie_break and "theory" not in kinds:
        tie_break = ["practical"]
    return EventCase(modules, contestants, tie_break, draw(st.sampled_from([None, 1, 3])))


def _people():
    district = factories.union(name=f"结果测试区总工会{next(_keys)}")
    enterprise = factories.enterprise(district, name=f"结果测试企业{next(_keys)}")
    workers = [factories.worker(enterprise.id).id for _ in range(CONTESTANTS)]
    judges = [factories.user(f"sql-judge-{next(_keys)}", [Role.JUDGE]).id for _ in range(JUDGES)]
    db.session.commit()
    return enterprise.id, workers, judges


def _build(case: EventCase, people) -> tuple[Event, list[int], scoring.MarkingScheme, dict]:
    """The event on the database, its contestants, and the same scheme and marks for the pure
    functions: marks by (contestant id, aspect key)."""
    enterprise_id, workers, judges = people
    event = make_event(make_competition(f"性质测试竞赛{next(_keys)}"), "rechecked", scheme=False)
    event.tie_break_kinds = case.tie_break
    event.promotion_top_n = case.promotion_top_n
    contestants = []
    for n in range(case.contestants):
        contestant = Contestant(event_id=event.id, worker_id=workers[n], enterprise_id=enterprise_id,
                                status="checked_in", blind_number=f"P{n:02d}")
        db.session.add(contestant)
        db.session.flush()
        contestants.append(contestant.id)
    modules, aspects, marks = [], [], {}
    for position, (kind, weight, aspect_cases) in enumerate(case.modules):
        module = SchemeModule(event_id=event.id, position=position, name=f"模块{position}", kind=kind, weight=weight)
        db.session.add(module)
        db.session.flush()
        criterion = SchemeCriterion(module_id=module.id, name="评分")
        db.session.add(criterion)
        db.session.flush()
        modules.append(scoring.Module(str(module.id), module.name, weight, kind))
        for n, aspect_case in enumerate(aspect_cases):
            aspect = SchemeAspect(criterion_id=criterion.id, position=n, name=f"细项{position}-{n}",
                                  kind=aspect_case.kind, max_mark=aspect_case.max_mark, step=aspect_case.step)
            db.session.add(aspect)
            db.session.flush()
            aspects.append(scoring.Aspect(str(aspect.id), str(module.id), "评分", aspect.name, aspect.kind,
                                          aspect.max_mark, aspect.step))
            for contestant_id, entries in zip(contestants, aspect_case.marks, strict=True):
                marks[(contestant_id, str(aspect.id))] = entries
                for judge, (value, entry) in zip(judges, entries, strict=False):
                    db.session.add(Mark(event_id=event.id, aspect_id=aspect.id, contestant_id=contestant_id,
                                        judge_id=judge if entry == 1 else judges[0], entry=entry, value=value,
                                        client_key=f"sql-{next(_keys)}"))
    db.session.flush()
    return event, contestants, scoring.MarkingScheme(tuple(modules), tuple(aspects)), marks


def _pure_aspect_mark(aspect: scoring.Aspect, entries) -> Decimal:
    """The results' rule for one aspect, by the scoring functions (see results' docstring)."""
    if not entries:
        raise scoring.SchemeError(_l("“%(name)s”尚未录入分数", name=aspect.name))
    stats = scoring.MarkStats.of(value for value, _ in entries)
    double = any(entry == 2 for _, entry in entries)
    if aspect.kind == scoring.AspectKind.JUDGEMENT or double or stats.count == 1:
        return scoring.aspect_mark_from_stats(aspect, stats)
    return scoring.continuous_mark_from_stats(aspect, stats)


def _pure(event: Event, contestants: list[int], scheme: scoring.MarkingScheme, marks: dict):
    """What the results are by competitions.scoring alone, or the refusal's message."""
    module_scores = {}
    for n, contestant_id in enumerate(contestants):
        try:
            aspect_marks = {a.key: _pure_aspect_mark(a, marks[(contestant_id, a.key)]) for a in scheme.aspects}
            module_scores[contestant_id] = scoring.module_scores(scheme, aspect_marks)
        except scoring.SchemeError as error:
            return "refused", f"选手 P{n:02d}：{error}"
    totals = {cid: scoring.total_score(scores) for cid, scores in module_scores.items()}
    ranked = scoring.rank_contestants((cid, totals[cid], scoring.tie_break(scheme, module_scores[cid],
                                                                           event.tie_break_kinds))
                                      for cid in contestants)
    awards = scoring.assign_awards(ranked, event.award_ratios)
    standardised = scoring.standardised_scores(totals, D(event.standard_centre), D(event.standard_spread))
    promotion = scoring.honours(ranked, top=event.promotion_top_n) if event.promotion_top_n else set()
    return "results", [(r.key, r.rank, scoring.official(totals[r.key]), totals[r.key].quantize(FOUR),
                        {k: v.quantize(FOUR) for k, v in module_scores[r.key].items()},
                        scoring.official(standardised[r.key]), results.AWARDS.get(awards[r.key]),
                        r.key in promotion) for r in ranked]


def _service(event: Event):
    try:
        computed = results.compute(event)
    except DomainError as error:
        return "refused", str(error)
    return "results", [(c.contestant_id, c.rank, scoring.official(c.total), c.total.quantize(FOUR),
                        {k: v.quantize(FOUR) for k, v in c.module_scores.items()}, c.standardised, c.award,
                        c.promotion) for c in computed]


def test_results_computed_in_sql_equal_the_scoring_functions_exactly(app):
    with app.app_context():
        people = _people()
        decided = []

        @settings(max_examples=100)
        @given(event_cases())
        def check(case):
            try:
                event, contestants, scheme, marks = _build(case, people)
                assert _service(event) == _pure(event, contestants, scheme, marks)
                exact = results_sql.exact_scores(event.id, scheme, contestants, tuple(case.tie_break))
                decided.append(len(exact.numerators) if exact else 0)
            finally:
                db.session.rollback()

        check()
        assert sum(decided) > 0  # the SQL path did decide contestants, not only the fallback


def test_an_ordinary_event_is_computed_in_sql_without_the_fallback(app, world):
    from tests.competitions import results_data

    with app.app_context():
        data = results_data.build(world)
        event = db.session.get(Event, data.event_id)
        plan = results.event_scheme(event)
        exact = results_sql.exact_scores(event.id, plan.scheme, list(data.contestants.values()),
                                         tuple(event.tie_break_kinds))
        # 82.33 and 76.67 are thirds: no total lies on half a cent, all five are decided in SQL
        assert exact is not None and not exact.undecided
        assert set(exact.numerators) == set(data.contestants.values())


def test_a_contestant_on_half_a_cent_is_left_to_the_scoring_functions():
    assert results_sql._on_boundary(1, 8, cents=True, fourth=False)          # 0.125
    assert not results_sql._on_boundary(1, 8, cents=False, fourth=True)      # 0.1250 is exact to four
    assert results_sql._on_boundary(1, 20_000, cents=False, fourth=True)     # 0.00005
    assert not results_sql._on_boundary(1, 3, cents=True, fourth=True)       # a third is on no boundary
    assert not results_sql._on_boundary(1, 100, cents=True, fourth=True)     # 0.01


def _pure_judge_stats(case: EventCase, contestants: list[int], scheme: scoring.MarkingScheme, judges: list[int]):
    """scoring.judge_deviation over the first entries, as the results service feeds it."""
    judgement, continuous = {}, {}
    aspect_cases = [a for _, _, aspects in case.modules for a in aspects]
    for aspect, aspect_case in zip(scheme.aspects, aspect_cases, strict=True):
        for contestant_id, entries in zip(contestants, aspect_case.marks, strict=True):
            panel = {judge: value for judge, (value, entry) in zip(judges, entries, strict=False) if entry == 1}
            if aspect.kind == scoring.AspectKind.JUDGEMENT:
                judgement[(contestant_id, aspect.key)] = panel
            else:
                continuous[(contestant_id, aspect.key)] = {j: Fraction(v) / Fraction(aspect.max_mark)
                                                          for j, v in panel.items()}
    return (scoring.judge_deviation(judgement.values()),
            scoring.judge_deviation(continuous.values(), results.CONTINUOUS_TOLERANCE))


def _same_stats(sql: dict, pure: dict) -> bool:
    """Equal counts and flags; mean deviations equal to Decimal's precision (both work in exact
    fractions and divide once at the end, each in its own way)."""
    return sql.keys() == pure.keys() and all(
        (sql[j].marks, sql[j].flagged) == (pure[j].marks, pure[j].flagged)
        and abs(sql[j].mean_deviation - pure[j].mean_deviation) < D("1e-20") for j in sql)


def test_judge_analytics_computed_in_sql_equal_the_scoring_function(app):
    with app.app_context():
        people = _people()

        @settings(max_examples=60)
        @given(event_cases())
        def check(case):
            try:
                event, contestants, scheme, _ = _build(case, people)
                analytics = results.judge_analytics(event)
                judgement, continuous = _pure_judge_stats(case, contestants, scheme, people[2])
                assert _same_stats(analytics.judgement, judgement)
                assert _same_stats(analytics.continuous, continuous)
            finally:
                db.session.rollback()

        check()
