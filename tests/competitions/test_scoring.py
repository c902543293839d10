"""The skills-competition arithmetic, pure: marking schemes, aspect marks, module scores and
totals, discrepancies, ranking with tie-breaks, standardised scores, awards and honours, the
recheck draw and judge analytics. Property-based (hypothesis) where a property says more than
an example."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from competitions import scoring
from competitions.scoring import Aspect, MarkingScheme, Module

D = Decimal


def _scheme(*modules: Module, aspects: tuple[Aspect, ...] | None = None) -> MarkingScheme:
    """A scheme with one measurement aspect out of 10 per module unless aspects are given."""
    if aspects is None:
        aspects = tuple(Aspect(f"{m.key}-1", m.key, "A", f"{m.name}细项", "measurement", D(10)) for m in modules)
    return MarkingScheme(modules=tuple(modules), aspects=aspects)


THEORY_30 = Module("theory", "理论知识", D(30), "theory")
PRACTICAL_70 = Module("practical", "技能操作", D(70), "practical")

# A typical event: theory 30 (one measured aspect out of 100), practical 60 (a measured aspect
# out of 20 in half marks and a judged aspect out of 10), 答辩 10 (a judged aspect out of 5).
EVENT = MarkingScheme(
    modules=(Module("T", "理论知识", D(30), "theory"), Module("P", "技能操作", D(60), "practical"),
             Module("O", "答辩", D(10), "oral")),
    aspects=(
        Aspect("T1", "T", "A 理论", "笔试", "measurement", D(100)),
        Aspect("P1", "P", "B 加工", "尺寸精度", "measurement", D(20), D("0.5")),
        Aspect("P2", "P", "C 工艺", "表面质量", "judgement", D(10)),
        Aspect("O1", "O", "D 答辩", "表达与应答", "judgement", D(5)),
    ),
)


# The rounding rule -----------------------------------------------------------------------------

def test_figures_are_rounded_once_half_up_to_two_decimals_for_display():
    assert scoring.official(D("85.665")) == D("85.67")
    assert scoring.official(D("85.664999")) == D("85.66")
    assert scoring.official(D(256) / D(3)) == D("85.33")
    assert scoring.display(D("85.005")) == "85.01"
    assert scoring.display(D(70)) == "70.00"
    assert scoring.display(None) == "—"


def test_floats_are_refused_as_marks():
    with pytest.raises(TypeError):
        scoring.total_score({"a": 85.5})


# Marking scheme --------------------------------------------------------------------------------

def test_a_30_70_scheme_is_valid():
    scoring.validate_scheme(_scheme(THEORY_30, PRACTICAL_70))
    scoring.validate_scheme(EVENT)


def test_weights_must_add_up_to_100():
    with pytest.raises(scoring.SchemeError, match="之和应为 100"):
        scoring.validate_scheme(_scheme(THEORY_30, Module("practical", "技能操作", D(60), "practical")))


def test_theory_may_not_exceed_30():
    with pytest.raises(scoring.SchemeError, match="不得超过 30"):
        scoring.validate_scheme(_scheme(Module("theory", "理论知识", D("30.5"), "theory"),
                                        Module("practical", "技能操作", D("69.5"), "practical")))


def test_an_event_may_cap_theory_lower_than_30_but_not_higher():
    scheme = _scheme(Module("theory", "理论知识", D(25), "theory"), Module("practical", "技能操作", D(75), "practical"))
    scoring.validate_scheme(scheme, theory_cap=D(25))
    with pytest.raises(scoring.SchemeError, match="不得超过 20"):
        scoring.validate_scheme(scheme, theory_cap=D(20))
    with pytest.raises(scoring.SchemeError, match="0 到 30 之间"):
        scoring.validate_scheme(scheme, theory_cap=D(40))


def test_theory_is_counted_across_all_theory_modules():
    with pytest.raises(scoring.SchemeError, match="不得超过 30"):
        scoring.validate_scheme(_scheme(Module("t1", "理论一", D(20), "theory"),
                                        Module("t2", "理论二", D(20), "theory"),
                                        Module("p", "技能操作", D(60), "practical")))


@st.composite
def weights(draw):
    """Positive weights (to two decimals) adding up to 100, theory at most 30."""
    theory = draw(st.integers(min_value=0, max_value=3000))
    oral = draw(st.integers(min_value=0, max_value=10000 - theory - 1))
    practical = 10000 - theory - oral
    cents = {"theory": theory, "oral": oral, "practical": practical}
    return {kind: D(c) / 100 for kind, c in cents.items() if c}


@given(weights())
def test_any_weights_adding_up_to_100_with_theory_at_most_30_are_accepted(ws):
    scoring.validate_scheme(_scheme(*(Module(kind, kind, w, kind) for kind, w in ws.items())))


@given(weights(), st.decimals(min_value=D("-5"), max_value=D("5"), places=2).filter(bool))
def test_weights_that_do_not_add_up_to_100_are_refused(ws, error):
    practical = ws["practical"] + error
    assume(practical > 0)
    ws = {**ws, "practical": practical}
    with pytest.raises(scoring.SchemeError, match="之和应为 100"):
        scoring.validate_scheme(_scheme(*(Module(kind, kind, w, kind) for kind, w in ws.items())))


def _aspect(**changes) -> Aspect:
    fields = {"key": "a", "module_key": "practical", "criterion": "A", "name": "尺寸", "kind": "measurement",
              "max_mark": D(10), "step": None, **changes}
    return Aspect(**fields)


@pytest.mark.parametrize("scheme, message", [
    (MarkingScheme(modules=(), aspects=()), "至少要有一个模块"),
    (_scheme(Module("m", "甲", D(50), "practical"), Module("m", "乙", D(50), "practical")), "模块不能重复"),
    (_scheme(Module("m", "甲", D(100), "practical"), Module("n", "乙", D(0), "practical")), "大于 0"),
    (_scheme(Module("m", "甲", D(100), "written")), "类型无效"),
    (_scheme(PRACTICAL_70, THEORY_30, aspects=(_aspect(), _aspect(module_key="theory"))), "细项不能重复"),
    (_scheme(PRACTICAL_70, THEORY_30, aspects=(_aspect(), _aspect(key="b", module_key="oral"))), "所属的模块不存在"),
    (_scheme(PRACTICAL_70, THEORY_30, aspects=(_aspect(), _aspect(key="b", module_key="theory", kind="guess"))),
     "类型无效"),
    (_scheme(PRACTICAL_70, THEORY_30, aspects=(_aspect(), _aspect(key="b", module_key="theory", max_mark=D(0)))),
     "满分必须大于 0"),
    (_scheme(PRACTICAL_70, THEORY_30, aspects=(_aspect(), _aspect(key="b", module_key="theory",
                                                                   kind="judgement", step=D(1)))), "不设步长"),
    (_scheme(PRACTICAL_70, THEORY_30, aspects=(_aspect(), _aspect(key="b", module_key="theory", step=D(0)))),
     "步长必须大于 0"),
    (_scheme(PRACTICAL_70, THEORY_30, aspects=(_aspect(), _aspect(key="b", module_key="theory", step=D(3)))),
     "步长的整数倍"),
    (_scheme(PRACTICAL_70, THEORY_30, aspects=(_aspect(),)), "至少要有一个评分细项"),
])
def test_bad_schemes_are_refused(scheme, message):
    with pytest.raises(scoring.SchemeError, match=message):
        scoring.validate_scheme(scheme)


# Measurement marks -----------------------------------------------------------------------------

steps = st.sampled_from([D("0.1"), D("0.25"), D("0.5"), D(1), D(2)])


@given(steps, st.integers(min_value=1, max_value=40), st.data())
def test_a_measurement_mark_on_the_step_and_within_range_is_accepted(step, units, data):
    aspect = _aspect(max_mark=step * units, step=step)
    mark = step * data.draw(st.integers(min_value=0, max_value=units))
    assert scoring.check_measurement_mark(aspect, mark) == mark


@given(steps, st.integers(min_value=1, max_value=40), st.data())
def test_off_step_measurement_marks_are_refused(step, units, data):
    aspect = _aspect(max_mark=step * units, step=step)
    mark = step * data.draw(st.integers(min_value=0, max_value=units - 1)) + step / 2
    with pytest.raises(scoring.SchemeError, match="整数倍"):
        scoring.check_measurement_mark(aspect, mark)


@given(st.decimals(min_value=D(1), max_value=D(100), places=2),
       st.decimals(min_value=D("0.01"), max_value=D(100), places=2), st.booleans())
def test_out_of_range_measurement_marks_are_refused(max_mark, excess, below):
    mark = -excess if below else max_mark + excess
    with pytest.raises(scoring.SchemeError, match="之间"):
        scoring.check_measurement_mark(_aspect(max_mark=max_mark), mark)


def test_a_measurement_entered_twice_counts_once_when_both_entries_agree():
    aspect = _aspect(max_mark=D(20), step=D("0.5"))
    assert scoring.aspect_mark(aspect, [D("17.5"), D("17.50")]) == D("17.5")
    assert scoring.aspect_mark(aspect, [D(12)]) == D(12)


def test_a_measurement_whose_two_entries_differ_is_refused_until_resolved():
    with pytest.raises(scoring.SchemeError, match="不一致"):
        scoring.aspect_mark(_aspect(max_mark=D(20)), [D("17.5"), D(18)])
    with pytest.raises(scoring.SchemeError, match="尚未录入"):
        scoring.aspect_mark(_aspect(), [])


# Judgement marks -------------------------------------------------------------------------------

judge_scores = st.lists(st.integers(min_value=0, max_value=3).map(D), min_size=3, max_size=9)
max_marks = st.decimals(min_value=D("0.5"), max_value=D(30), places=1)


def test_judgement_aspect_mark_examples():
    assert scoring.judgement_aspect_mark(D(6), [D(2), D(2), D(2)]) == D(4)
    assert scoring.judgement_aspect_mark(D(6), [D(3), D(3), D(3)]) == D(6)
    assert scoring.judgement_aspect_mark(D(6), [D(0), D(0), D(0)]) == D(0)
    assert scoring.judgement_aspect_mark(D(3), [D(1), D(2), D(2), D(3)]) == D(2)


@given(max_marks, judge_scores)
def test_judgement_aspect_mark_is_max_times_mean_over_3_and_within_0_and_max(max_mark, scores):
    mark = scoring.judgement_aspect_mark(max_mark, scores)
    exact = Fraction(max_mark) * Fraction(sum(scores)) / len(scores) / 3
    assert abs(Fraction(mark) - exact) < Fraction(1, 10**20)
    assert D(0) <= mark <= max_mark


@given(max_marks, judge_scores, st.randoms(use_true_random=False))
def test_judgement_aspect_mark_does_not_depend_on_the_order_of_judges(max_mark, scores, rnd):
    shuffled = list(scores)
    rnd.shuffle(shuffled)
    assert scoring.judgement_aspect_mark(max_mark, shuffled) == scoring.judgement_aspect_mark(max_mark, scores)


def test_a_judgement_aspect_needs_at_least_three_judges():
    with pytest.raises(scoring.SchemeError, match="至少需要 3 名裁判"):
        scoring.judgement_aspect_mark(D(5), [D(2), D(3)])


@pytest.mark.parametrize("score", [D(-1), D(4), D("1.5")])
def test_judgement_scores_other_than_0_1_2_3_are_refused(score):
    with pytest.raises(scoring.SchemeError, match="0、1、2 或 3"):
        scoring.judgement_aspect_mark(D(5), [D(2), D(2), score])


def test_aspect_mark_of_a_judgement_aspect_uses_the_judges_scores():
    aspect = _aspect(kind="judgement", max_mark=D(9))
    assert scoring.aspect_mark(aspect, [D(1), D(2), D(3)]) == D(6)


# Continuous subjective marks ---------------------------------------------------------------------

marks = st.decimals(min_value=0, max_value=100, places=2)
many_marks = st.lists(marks, min_size=scoring.TRIM_THRESHOLD, max_size=12)
any_marks = st.lists(marks, min_size=1, max_size=12)


def _mean(values) -> Decimal:
    return sum(values, D(0)) / len(values)


def test_five_marks_drop_one_highest_and_one_lowest():
    assert scoring.trimmed_mean([D(60), D(80), D(81), D(82), D(99)]) == D(81)
    # two equal highest and two equal lowest: only one of each goes
    assert scoring.trimmed_mean([D(90), D(90), D(80), D(70), D(70)]) == _mean([D(90), D(80), D(70)])


@given(many_marks)
def test_trimmed_mean_drops_exactly_one_highest_and_one_lowest_from_five_marks_on(values):
    assert scoring.trimmed_mean(values) == _mean(sorted(values)[1:-1])


@given(st.lists(marks, min_size=1, max_size=scoring.TRIM_THRESHOLD - 1))
def test_fewer_than_five_marks_are_simply_averaged(values):
    assert scoring.trimmed_mean(values) == _mean(values)


@given(any_marks)
def test_trimmed_mean_lies_between_the_lowest_and_highest_mark(values):
    assert min(values) <= scoring.trimmed_mean(values) <= max(values)


@given(any_marks, st.randoms(use_true_random=False))
def test_trimmed_mean_does_not_depend_on_the_order_of_marks(values, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert scoring.trimmed_mean(shuffled) == scoring.trimmed_mean(values)


def test_trimmed_mean_of_no_marks_is_refused():
    with pytest.raises(scoring.SchemeError):
        scoring.trimmed_mean([])



# Aspect marks from sufficient statistics ---------------------------------------------------------
# Results are computed from per-group COUNT, SUM, MIN and MAX (one GROUP BY query); each
# function below must equal its list-based counterpart on the same marks, value or refusal.

def _outcome(compute):
    """The mark, or the refusal's message: what a caller sees either way."""
    try:
        return "mark", compute()
    except scoring.SchemeError as error:
        return "refused", str(error)


def _both(list_based, stats_based):
    assert _outcome(list_based) == _outcome(stats_based)


def test_mark_stats_are_how_many_their_sum_lowest_and_highest():
    assert scoring.MarkStats.of([D(3), D("1.5"), D(2)]) == (3, D("6.5"), D("1.5"), D(3))
    assert scoring.MarkStats.of([]).count == 0


#: 0-3 scores, and whole numbers outside that range (whole numbers: a judgement score with a
#: fraction cannot be entered, and only the lowest and highest are seen in the statistics).
whole_scores = st.lists(st.integers(min_value=-1, max_value=5).map(D), max_size=9)


@given(max_marks, whole_scores)
def test_judgement_mark_from_stats_equals_the_mark_from_the_scores(max_mark, scores):
    _both(lambda: scoring.judgement_aspect_mark(max_mark, scores),
          lambda: scoring.judgement_aspect_mark_from_stats(max_mark, scoring.MarkStats.of(scores)))


@pytest.mark.parametrize("scores", [[D("1.5"), D(2), D(2)], [D(2), D(2), D("2.5")]])
def test_a_lowest_or_highest_judgement_score_with_a_fraction_is_refused_from_stats(scores):
    with pytest.raises(scoring.SchemeError, match="0、1、2 或 3"):
        scoring.judgement_aspect_mark_from_stats(D(5), scoring.MarkStats.of(scores))


@st.composite
def measured_aspects_and_entries(draw, max_size=2):
    """An aspect with or without a step, and entries on or off the step, in or out of range."""
    step = draw(st.none() | steps)
    unit = step or D("0.01")
    units = draw(st.integers(min_value=1, max_value=40))
    aspect = _aspect(max_mark=(step or D(1)) * units, step=step)
    on_step = st.integers(min_value=-2, max_value=int(aspect.max_mark / unit) + 2).map(lambda n: unit * n)
    off_step = on_step.map(lambda m: m + unit / 2) if step else on_step
    entries = draw(st.lists(on_step | off_step, max_size=max_size))
    return aspect, entries


@given(measured_aspects_and_entries())
def test_measurement_mark_from_stats_equals_the_mark_from_the_entries(aspect_and_entries):
    # Entered once or twice: every entry is the lowest or the highest, so all are checked.
    aspect, entries = aspect_and_entries
    _both(lambda: scoring.aspect_mark(aspect, sorted(entries)),
          lambda: scoring.aspect_mark_from_stats(aspect, scoring.MarkStats.of(entries)))


@given(measured_aspects_and_entries(max_size=4))
def test_entries_that_all_agree_give_that_mark_from_stats(aspect_and_entries):
    aspect, entries = aspect_and_entries
    assume(entries)
    repeated = [entries[0]] * len(entries)
    _both(lambda: scoring.aspect_mark(aspect, repeated),
          lambda: scoring.aspect_mark_from_stats(aspect, scoring.MarkStats.of(repeated)))


@given(any_marks | st.just([]))
def test_trimmed_mean_from_stats_equals_the_trimmed_mean_of_the_marks(values):
    _both(lambda: scoring.trimmed_mean(values),
          lambda: scoring.trimmed_mean_from_stats(scoring.MarkStats.of(values)))


@given(steps, st.integers(min_value=1, max_value=40), st.data())
def test_continuous_mark_from_stats_equals_the_trimmed_mean_of_the_checked_marks(step, units, data):
    # Marks on the step (off-step marks cannot be entered), some possibly out of range.
    aspect = _aspect(max_mark=step * units, step=step)
    values = data.draw(st.lists(st.integers(min_value=-2, max_value=units + 2).map(lambda n: step * n),
                                max_size=12))
    _both(lambda: scoring.trimmed_mean([scoring.check_measurement_mark(aspect, v) for v in sorted(values)]),
          lambda: scoring.continuous_mark_from_stats(aspect, scoring.MarkStats.of(values)))


def test_an_off_step_lowest_or_highest_continuous_mark_is_refused_from_stats():
    aspect = _aspect(max_mark=D(10), step=D("0.5"))
    for values in ([D("6.25"), D(7), D(8)], [D(6), D(7), D("8.25")]):
        with pytest.raises(scoring.SchemeError, match="整数倍"):
            scoring.continuous_mark_from_stats(aspect, scoring.MarkStats.of(values))


@given(st.lists(st.decimals(min_value=0, max_value=D("99999.99"), places=2), min_size=1, max_size=12))
def test_sqlite_float_sums_of_marks_rounded_to_whole_cents_are_exact(values):
    # SQLite stores the NUMERIC marks as binary floats, so SUM/MIN/MAX come back inexact;
    # results has the database round them to whole cents (its _cents), which must give back
    # the exact figures.
    import sqlite3

    from sqlalchemy import column, func, select, table
    from sqlalchemy.dialects import sqlite

    from competitions.services.results import _cents

    marks = table("marks", column("value"))
    query = select(_cents(func.sum(marks.c.value)), _cents(func.min(marks.c.value)),
                   _cents(func.max(marks.c.value)))
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE marks (value NUMERIC(7, 2))")
    connection.executemany("INSERT INTO marks VALUES (?)", [(float(v),) for v in values])
    sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    total, low, high = connection.execute(sql).fetchone()
    connection.close()
    assert total * D("0.01") == sum(values, D(0))
    assert low * D("0.01") == min(values) and high * D("0.01") == max(values)


# Discrepancies -------------------------------------------------------------------------------

@given(judge_scores)
def test_judgement_scores_more_than_1_apart_are_flagged(scores):
    assert scoring.judgement_discrepancy(scores) == (max(scores) - min(scores) > 1)


def test_judgement_discrepancy_examples():
    assert not scoring.judgement_discrepancy([D(2), D(3), D(2)])
    assert scoring.judgement_discrepancy([D(1), D(3), D(2)])


def test_measurement_marks_entered_twice_that_differ_are_flagged():
    assert scoring.measurement_discrepancy([D("7.5"), D(8)])
    assert not scoring.measurement_discrepancy([D("7.5"), D("7.50")])
    assert not scoring.measurement_discrepancy([D("7.5")])


# Module scores and totals ---------------------------------------------------------------------

def test_module_score_is_the_share_of_the_module_maximum_times_its_weight():
    aspect_marks = {"T1": D(80), "P1": D(15), "P2": scoring.judgement_aspect_mark(D(10), [D(2), D(2), D(2)]),
                    "O1": scoring.judgement_aspect_mark(D(5), [D(3), D(3), D(3)])}
    scores = scoring.module_scores(EVENT, aspect_marks)
    # theory 80/100 × 30; practical (15 + 20/3)/30 × 60; 答辩 5/5 × 10
    assert scores["T"] == D(24)
    assert scoring.official(scores["P"]) == D("43.33")
    assert scores["O"] == D(10)
    assert scoring.display(scoring.total_score(scores)) == "77.33"


def test_full_marks_total_100_and_no_marks_total_0():
    full = {a.key: a.max_mark for a in EVENT.aspects}
    assert scoring.total_score(scoring.module_scores(EVENT, full)) == D(100)
    assert scoring.total_score(scoring.module_scores(EVENT, dict.fromkeys(full, D(0)))) == D(0)


@st.composite
def schemes_with_marks(draw):
    """A valid scheme (1-3 modules, 1-4 aspects each, both kinds) and a mark for every aspect."""
    ws = draw(weights())
    modules, aspects, aspect_marks = [], [], {}
    for kind, weight in ws.items():
        modules.append(Module(kind, kind, weight, kind))
        for i in range(draw(st.integers(min_value=1, max_value=4))):
            key = f"{kind}-{i}"
            if draw(st.booleans()):
                step = draw(steps)
                units = draw(st.integers(min_value=1, max_value=40))
                aspects.append(Aspect(key, kind, "A", key, "measurement", step * units, step))
                aspect_marks[key] = step * draw(st.integers(min_value=0, max_value=units))
            else:
                max_mark = draw(max_marks)
                aspects.append(Aspect(key, kind, "A", key, "judgement", max_mark))
                aspect_marks[key] = scoring.judgement_aspect_mark(max_mark, draw(judge_scores))
    return MarkingScheme(modules=tuple(modules), aspects=tuple(aspects)), aspect_marks


@given(schemes_with_marks())
def test_totals_stay_within_0_and_100_and_each_module_within_its_weight(scheme_and_marks):
    scheme, aspect_marks = scheme_and_marks
    scores = scoring.module_scores(scheme, aspect_marks)
    for module in scheme.modules:
        assert D(0) <= scores[module.key] <= module.weight
    assert D(0) <= scoring.total_score(scores) <= D(100)


@pytest.mark.parametrize("change, message", [
    ({"T1": None}, "缺少以下评分细项的分数：笔试"),
    ({"X9": D(1)}, "没有以下评分细项：X9"),
    ({"P1": D("20.5")}, "0 到 20 之间"),
])
def test_missing_unknown_or_out_of_range_aspect_marks_are_refused(change, message):
    aspect_marks = {a.key: a.max_mark for a in EVENT.aspects}
    aspect_marks.update(change)
    aspect_marks = {k: v for k, v in aspect_marks.items() if v is not None}
    with pytest.raises(scoring.SchemeError, match=message):
        scoring.module_scores(EVENT, aspect_marks)


# Ranking ------------------------------------------------------------------------------------------

def test_ranking_is_by_total_and_equal_totals_share_a_place():
    ranked = scoring.rank_contestants([("a", D(80), ()), ("b", D(90), ()), ("c", D(80), ()),
                                       ("d", D(70), ()), ("e", None, ())])
    assert [(r.key, r.rank) for r in ranked] == [("b", 1), ("a", 2), ("c", 2), ("d", 4)]


def test_equal_totals_are_separated_by_the_practical_module_by_default():
    ahead = {"T": D(20), "P": D(55), "O": D(5)}
    behind = {"T": D(25), "P": D(50), "O": D(5)}
    assert scoring.total_score(ahead) == scoring.total_score(behind)
    ranked = scoring.rank_contestants([
        ("behind", scoring.total_score(behind), scoring.tie_break(EVENT, behind)),
        ("ahead", scoring.total_score(ahead), scoring.tie_break(EVENT, ahead)),
    ])
    assert [(r.key, r.rank) for r in ranked] == [("ahead", 1), ("behind", 2)]


def test_equal_on_total_and_practical_module_share_a_place():
    one = {"T": D(20), "P": D(55), "O": D(5)}
    other = {"T": D(25), "P": D(55), "O": D(0)}
    ranked = scoring.rank_contestants([("one", scoring.total_score(one), scoring.tie_break(EVENT, one)),
                                       ("other", scoring.total_score(other), scoring.tie_break(EVENT, other))])
    assert [r.rank for r in ranked] == [1, 1]


def test_tie_break_keys_are_configurable_by_module_kind_or_key():
    scores = {"T": D(20), "P": D(55), "O": D(5)}
    assert scoring.tie_break(EVENT, scores, keys=("oral", "T")) == (D(5), D(20))
    with pytest.raises(scoring.SchemeError, match="并列排序"):
        scoring.tie_break(EVENT, scores, keys=("nonexistent",))


def test_tie_break_modules_found_once_give_the_same_values_for_every_contestant():
    modules = scoring.tie_break_modules(EVENT, ("oral", "T"))
    assert modules == [["O"], ["T"]]
    for scores in ({"T": D(20), "P": D(55), "O": D(5)}, {"T": D("12.5"), "P": D(0), "O": D("7.25")}):
        assert scoring.tie_break_sums(modules, scores) == scoring.tie_break(EVENT, scores, keys=("oral", "T"))
    with pytest.raises(scoring.SchemeError, match="并列排序"):
        scoring.tie_break_modules(EVENT, ("nonexistent",))


def test_ranking_compares_totals_as_published():
    """85.334 and 85.331 both show as 85.33: the tie-break decides, not invisible decimals."""
    ranked = scoring.rank_contestants([("a", D("85.334"), (D(50),)), ("b", D("85.331"), (D(60),))])
    assert [r.key for r in ranked] == ["b", "a"]


totals = st.decimals(min_value=0, max_value=100, places=2)
contestants = st.lists(st.tuples(st.sampled_from([D(70), D("85.5"), D(90)]), st.sampled_from([D(40), D(50)])),
                       min_size=0, max_size=20)


@given(contestants)
def test_place_is_one_plus_the_number_strictly_ahead_on_total_then_tie_break(items):
    ranked = scoring.rank_contestants((i, total, (tie,)) for i, (total, tie) in enumerate(items))
    assert sorted(r.key for r in ranked) == list(range(len(items)))
    for r in ranked:
        total, tie = items[r.key]
        assert r.rank == 1 + sum((t, b) > (total, tie) for t, b in items)
    places = [r.rank for r in ranked]
    assert places == sorted(places)


# Standardised scores ---------------------------------------------------------------------------

def test_standardised_score_example():
    # median 70, population deviation sqrt(200/3)
    scores = scoring.standardised_scores({"a": D(60), "b": D(70), "c": D(80)})
    assert scores["b"] == D(700)
    assert scoring.display(scores["c"]) == "822.47"
    assert scoring.display(scores["a"]) == "577.53"


@given(st.lists(totals, min_size=1, max_size=25).filter(lambda values: len(values) % 2 == 1))
def test_standardised_score_of_the_median_contestant_is_700(values):
    scores = scoring.standardised_scores(dict(enumerate(values)))
    median_contestant = sorted(range(len(values)), key=values.__getitem__)[len(values) // 2]
    assert scores[median_contestant] == D(700)


@given(st.lists(totals, min_size=1, max_size=25))
def test_standardised_scores_keep_the_order_of_raw_totals(values):
    scores = scoring.standardised_scores(dict(enumerate(values)))
    for i, a in enumerate(values):
        for j, b in enumerate(values):
            if a < b:
                assert scores[i] < scores[j]
            elif a == b:
                assert scores[i] == scores[j]


@given(totals, st.integers(min_value=1, max_value=10))
def test_equal_totals_all_standardise_to_700(total, count):
    assert set(scoring.standardised_scores(dict.fromkeys(range(count), total)).values()) == {D(700)}


def test_the_results_page_states_the_formula():
    assert "700 + 100 × (原始总分 − 本赛项原始总分的中位数)" in str(scoring.STANDARDISED_SCORE_FORMULA)


# Awards and honours ----------------------------------------------------------------------------

@pytest.mark.parametrize("n, expected", [
    (10, (1, 2, 3)), (25, (3, 5, 7)), (5, (1, 1, 1)), (1, (0, 0, 1)), (0, (0, 0, 0)), (33, (3, 7, 10)),
])
def test_default_award_counts_round_the_cumulative_shares_half_up(n, expected):
    assert scoring.award_counts(n) == expected


ratio_lists = st.lists(st.decimals(min_value=0, max_value=D("0.5"), places=2), min_size=1, max_size=4).filter(
    lambda ratios: sum(ratios) <= 1)


@given(st.integers(min_value=0, max_value=500), ratio_lists)
def test_award_counts_never_exceed_the_contestants_and_follow_the_stated_rounding(n, ratios):
    counts = scoring.award_counts(n, ratios)
    assert all(c >= 0 for c in counts)
    assert sum(counts) <= n
    for k in range(1, len(ratios) + 1):
        exact = n * sum(ratios[:k], D(0))
        assert exact - D("0.5") < sum(counts[:k]) <= exact + D("0.5")  # the nearest whole number, halves up


def test_award_ratios_adding_up_to_more_than_1_or_negative_are_refused():
    with pytest.raises(scoring.SchemeError, match="不得超过 1"):
        scoring.award_counts(10, (D("0.5"), D("0.6")))
    with pytest.raises(scoring.SchemeError, match="负数"):
        scoring.award_counts(10, (D("-0.1"),))


def _ranked(*totals_in_order):
    return scoring.rank_contestants((chr(ord("a") + i), t, ()) for i, t in enumerate(totals_in_order))


def test_ten_contestants_get_one_first_two_second_and_three_third_awards():
    awards = scoring.assign_awards(_ranked(*range(100, 90, -1)))
    assert list(awards.values()) == [1, 2, 2, 3, 3, 3, None, None, None, None]


def test_a_tie_at_an_award_boundary_all_get_the_better_award():
    # places 1, 1, 3, ...: the tie for first straddles the one first award; both get it,
    # and second awards still end at place 3
    awards = scoring.assign_awards(_ranked(100, 100, 98, 97, 96, 95, 94, 93, 92, 91))
    assert list(awards.values()) == [1, 1, 2, 3, 3, 3, None, None, None, None]
    # a tie across the last boundary: all of them get the third award
    awards = scoring.assign_awards(_ranked(100, 99, 98, 97, 96, 95, 95, 95, 92, 91))
    assert list(awards.values()) == [1, 2, 2, 3, 3, 3, 3, 3, None, None]


@given(st.lists(st.sampled_from([D(60), D(70), D(75), D(80), D(90)]), min_size=0, max_size=40))
def test_awards_follow_places_and_equal_places_get_equal_awards(values):
    ranked = _ranked(*values)
    awards = scoring.assign_awards(ranked)
    order = [4 if awards[r.key] is None else awards[r.key] for r in ranked]
    assert order == sorted(order)
    for a, b in zip(ranked, ranked[1:], strict=False):
        if a.rank == b.rank:
            assert awards[a.key] == awards[b.key]
    limits = [sum(scoring.award_counts(len(ranked))[:k]) for k in (1, 2, 3)]
    for r in ranked:
        if awards[r.key] is not None:
            assert r.rank <= limits[awards[r.key] - 1]


def test_honours_for_the_top_n_include_a_tie_at_the_boundary():
    ranked = _ranked(D(95), D(90), D(90), D(80))
    assert scoring.honours(ranked, top=2) == {"a", "b", "c"}


def test_honours_above_a_threshold_and_both_conditions_together():
    ranked = _ranked(D(95), D(90), D(85), D(80))
    assert scoring.honours(ranked, min_total=D(85)) == {"a", "b", "c"}
    assert scoring.honours(ranked, top=3, min_total=D(90)) == {"a", "b"}
    with pytest.raises(scoring.SchemeError):
        scoring.honours(ranked)


# Lock and recheck ------------------------------------------------------------------------------

ranked_ids = st.lists(st.integers(min_value=0, max_value=10_000), unique=True, min_size=0, max_size=120)
seeds = st.text(min_size=1, max_size=20) | st.integers()


@given(ranked_ids, seeds)
def test_recheck_sample_contains_all_of_the_top_10_and_at_least_15_percent_of_the_rest(ids, seed):
    sample = scoring.recheck_sample(ids, seed)
    assert sample.always == tuple(ids[:10])
    rest = ids[10:]
    assert set(sample.drawn) <= set(rest)
    assert len(sample.drawn) * 100 >= 15 * len(rest)
    assert len(sample.drawn) < D("0.15") * len(rest) + 1  # rounded up, no more
    assert list(sample.contestants) == [i for i in ids if i in set(sample.contestants)]  # ranking order


@given(ranked_ids, seeds)
def test_recheck_sample_is_reproducible_from_its_seed(ids, seed):
    assert scoring.recheck_sample(ids, seed) == scoring.recheck_sample(list(ids), seed)


def test_recheck_sample_is_fixed_by_the_seed_and_changes_with_it():
    ids = [f"A{n:03d}" for n in range(1, 61)]
    first = scoring.recheck_sample(ids, "2026-钳工-锁定")
    assert len(first.drawn) == 8  # 15% of 50 = 7.5, rounded up
    assert first.drawn == scoring.recheck_sample(ids, "2026-钳工-锁定").drawn
    assert len({scoring.recheck_sample(ids, seed).drawn for seed in range(5)}) > 1


def test_a_recheck_of_duplicated_contestants_is_refused():
    with pytest.raises(scoring.SchemeError):
        scoring.recheck_sample(["a", "b", "a"], 1)


@pytest.mark.parametrize("checked, wrong, required", [
    (100, 5, False), (100, 6, True), (20, 1, False), (19, 1, True), (0, 0, False), (40, 0, False),
])
def test_full_recheck_is_required_only_when_more_than_5_percent_were_wrong(checked, wrong, required):
    assert scoring.full_recheck_required(checked, wrong) is required


def test_more_wrong_marks_than_checked_is_refused():
    with pytest.raises(scoring.SchemeError):
        scoring.full_recheck_required(10, 11)


# Judge analytics -------------------------------------------------------------------------------

def test_a_severe_judge_deviates_negatively_and_a_lenient_one_positively():
    panels = [
        {"severe": D(1), "fair": D(2), "lenient": D(3)},
        {"severe": D(1), "fair": D(2), "lenient": D(2)},
        {"severe": D(0), "fair": D(1), "lenient": D(1)},
    ]
    stats = scoring.judge_deviation(panels)
    assert stats["severe"].mean_deviation < 0
    assert stats["lenient"].mean_deviation > 0
    assert stats["severe"].mean_deviation < stats["fair"].mean_deviation < stats["lenient"].mean_deviation
    assert stats["severe"].marks == 3


def test_a_judge_far_from_the_others_is_flagged_and_counted():
    panels = [{"j1": D(2), "j2": D(2), "j3": D(0)}, {"j1": D(3), "j2": D(3), "j3": D(3)},
              {"j1": D(2), "j2": D(3), "j3": D(2)}, {"j1": D(2)}]
    stats = scoring.judge_deviation(panels)
    assert (stats["j3"].flagged, stats["j3"].marks) == (1, 3)
    assert stats["j3"].flag_rate == D(1) / D(3)
    assert stats["j1"].flagged == stats["j2"].flagged == 0
    assert stats["j1"].marks == 3  # a mark with nobody beside it is left out


def test_a_continuous_mark_exactly_the_tolerance_from_the_others_is_not_flagged():
    # 7.50 of a 75-point aspect from the others' mean is 10% of the maximum: not more than it
    def scaled(marks):
        return {judge: Fraction(mark) / 75 for judge, mark in marks.items()}
    stats = scoring.judge_deviation([scaled({"a": D("30.00"), "b": D("37.50")})], D("0.1"))
    assert stats["a"].flagged == stats["b"].flagged == 0
    stats = scoring.judge_deviation([scaled({"a": D("30.00"), "b": D("37.51")})], D("0.1"))
    assert stats["a"].flagged == stats["b"].flagged == 1


@given(judge_scores)
def test_a_judgement_aspect_is_flagged_exactly_when_one_of_its_judges_is(scores):
    stats = scoring.judge_deviation([dict(enumerate(scores))])
    assert scoring.judgement_discrepancy(scores) == any(s.flagged for s in stats.values())


@given(st.lists(st.dictionaries(st.sampled_from("ABCDE"), st.integers(0, 3).map(D), min_size=2, max_size=5),
                min_size=1, max_size=10))
def test_deviations_from_the_others_mean_add_up_to_zero_on_each_panel(panels):
    for panel in panels:
        stats = scoring.judge_deviation([panel])
        assert abs(sum(s.mean_deviation for s in stats.values())) < D("1e-20")


@given(st.lists(st.decimals(0, 40, places=2), min_size=2, max_size=6))
def test_equal_continuous_marks_are_never_outliers(marks):
    assert not scoring.continuous_outlier([marks[0]] * len(marks), Decimal(40))


def test_a_continuous_mark_far_from_the_others_is_an_outlier():
    assert scoring.continuous_outlier([Decimal(30), Decimal(31), Decimal(12)], Decimal(40))
    assert not scoring.continuous_outlier([Decimal(30), Decimal(31), Decimal(32)], Decimal(40))
    assert not scoring.continuous_outlier([Decimal(30)], Decimal(40))


def test_judgement_tolerance_is_configurable():
    assert scoring.judgement_discrepancy([Decimal(0), Decimal(2)])
    assert not scoring.judgement_discrepancy([Decimal(0), Decimal(2)], tolerance=Decimal(2))


def test_standardised_scores_use_the_events_centre_and_spread():
    scores = scoring.standardised_scores({"a": Decimal(60), "b": Decimal(70), "c": Decimal(80)},
                                         centre=Decimal(500), spread=Decimal(50))
    assert scores["b"] == Decimal(500) and scores["c"] > Decimal(500) > scores["a"]
