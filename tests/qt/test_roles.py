"""Item roles: one definition, one number each, used by every model and panel."""

from qtpy.QtCore import Qt

from queue_gui.qt import history_model, queue_model, roles, runs_model
from queue_gui.qt.widgets import history_panel

ROLES = ("ItemRole", "UidRole", "IsRunningRole", "ProgressRole", "ExitStatusRole", "RunRole")


def test_every_role_has_its_own_number_above_the_user_role():
    numbers = [getattr(roles, name) for name in ROLES]
    assert len(set(numbers)) == len(numbers)
    assert all(number > Qt.UserRole for number in numbers)


def test_the_models_and_the_panel_use_the_one_definition():
    assert queue_model.ItemRole is roles.ItemRole and history_model.ItemRole is roles.ItemRole
    assert history_panel.ItemRole is roles.ItemRole
    assert history_model.UidRole is roles.UidRole and queue_model.UidRole is roles.UidRole
    assert runs_model.RunRole is roles.RunRole
