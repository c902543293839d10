"""The state-machine type every feature's transition table is built on (core.states), tested
on a made-up machine: moves follow the table, an illegal one is refused with the feature's
message, each move is audited once and runs the machine's hooks."""

from __future__ import annotations

from enum import StrEnum

import pytest
from sqlalchemy import select

from competitions.states import EVENT
from core.audit.models import AuditEntry
from core.errors import DomainError
from core.extensions import db
from core.states import IllegalTransition, StateMachine
from craftsmen.states import CYCLE, NOMINATION
from innovation_studios.studios.states import STUDIO


class Light(StrEnum):
    RED = "red"
    GREEN = "green"
    AMBER = "amber"

    @property
    def label(self) -> str:
        return {"red": "红灯", "green": "绿灯", "amber": "黄灯"}[self.value]


class Crossing:
    """A record with a state column and a note, as a model has."""

    def __init__(self) -> None:
        self.id = 7
        self.phase = Light.RED.value
        self.remark = None

    def __str__(self) -> str:
        return "长安街路口"


def _machine(**kwargs) -> StateMachine[Light]:
    return StateMachine("crossing", Light, {(Light.RED, Light.GREEN): "go", (Light.GREEN, Light.AMBER): "slow",
                                            (Light.AMBER, Light.RED): "stop"},
                        refusal=lambda a, b: f"信号灯当前为“{a}”，不能变为“{b}”", field="phase",
                        note_field="remark", **kwargs)


def test_the_table_names_each_move_and_refuses_the_rest():
    machine = _machine()
    assert machine.action("red", Light.GREEN) == "go"
    assert machine.targets(Light.GREEN) == [Light.AMBER]
    assert machine.next_state("amber") == Light.RED
    assert machine.allows("red", Light.GREEN) and not machine.allows("red", Light.AMBER)
    with pytest.raises(IllegalTransition, match="信号灯当前为“红灯”，不能变为“黄灯”"):
        machine.action("red", Light.AMBER)
    assert issubclass(IllegalTransition, DomainError)  # pages show it like any refusal


def test_a_move_changes_the_state_keeps_the_note_audits_once_and_runs_the_hooks(app):
    seen = []
    machine = _machine(after_move=[lambda record, action, by, note: seen.append((record.phase, action, note))])
    crossing = Crossing()
    with app.app_context():
        assert machine.move(crossing, Light.GREEN, by=None, note="早高峰", changes={"cars": [0, 12]}) == "go"
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("crossing.%"))).all()
        assert [(e.action, e.target_type, e.target_id, e.target_label) for e in entries] == [
            ("crossing.go", "Crossing", 7, "长安街路口")]
        assert entries[0].changes == {"phase": ["red", "green"], "note": [None, "早高峰"], "cars": [0, 12]}
        with pytest.raises(IllegalTransition):
            machine.move(crossing, Light.RED, by=None)
        db.session.rollback()
    assert (crossing.phase, crossing.remark) == ("green", "早高峰")
    assert seen == [("green", "go", "早高峰")]


@pytest.mark.parametrize("machine", [NOMINATION, CYCLE, EVENT, STUDIO], ids=lambda m: m.name)
def test_every_feature_machine_is_the_core_type_over_its_own_states(machine):
    assert isinstance(machine, StateMachine)
    for (source, target), action in machine.transitions.items():
        assert isinstance(source, machine.states) and isinstance(target, machine.states) and action
        assert machine.action(source.value, target) == action
