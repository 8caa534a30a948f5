"""Small modal dialogs shared by the window and its panels."""

from qtpy.QtWidgets import QMessageBox


def ask_yes_no(parent, title, text):
    """Ask a yes/no question in a modal box; "No" is the default answer.

    Returns
    -------
    bool
        True when the user answered Yes.
    """
    answer = QMessageBox.question(parent, title, text, QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
    return answer == QMessageBox.Yes
